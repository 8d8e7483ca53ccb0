/**
 * The audit trail: every request, confirmation, approval, refusal, click and step of a real run
 * is in it with who, when, the run and the plan hash; `/cspatch audit <run>` shows it; and the
 * real CLI exports it as JSON lines that `cspatch audit verify` checks, naming the first entry
 * that was edited, removed or out of place.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { createKeys } from '../../core/keys.js';
import { parseScenario } from '../../sim/scenario.js';
import { chainHash, findChainBreak } from '../../store/audit-chain.js';
import type { ChainedAuditEntry } from '../../store/ports.js';
import { openRedis } from '../../store/redis/connection.js';
import { cleanupBots, startBot, type BotHandle } from '../helpers/bot.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { button, packagePathFor, waitReply, walkToPlan } from '../helpers/patch-driver.js';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { CLI, cleanupRunners, runnerTestPrefix } from '../helpers/runner.js';
import { answered, auditOf, readyRunner, runOf, scenarioFor, settled, waitAudit } from './support.js';

const CHANNEL = 'CAUDIT01';
const prefix = runnerTestPrefix('audit');
let fake: FakeSlack;
let bot: BotHandle;
let redis: Redis;
let dir: string;
let runId: string;
let planHash: string;
let steps: number;

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `cspatch audit …` as an operator runs it: the built CLI in a process of its own. */
function cspatchAudit(args: string[], stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'audit', ...args], {
      env: { PATH: process.env.PATH ?? '', REDIS_URL: TEST_REDIS_URL, CSPATCH_PREFIX: prefix, LOG_LEVEL: 'warn' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');

beforeAll(async () => {
  redis = openRedis(TEST_REDIS_URL, 'security-audit');
  dir = mkdtempSync(join(tmpdir(), 'cspatch-audit-'));
  fake = await startFakeSlack();
  bot = await startBot({ prefix, slackApiUrl: fake.url });

  // One whole run with a refused request, a refused self-approval and clicks along the way.
  const scenario = scenarioFor('sfb2015-standard', 'se-audit1.contoso.com');
  const server = parseScenario(scenario).server;
  await readyRunner(redis, prefix, scenario);
  await answered(fake, 'UNOTADMIN', /Only cspatch admins/, () => bot.command('UNOTADMIN', CHANNEL, `patch ${server} ${packagePathFor(scenario)}`), 'the refusal');
  const walked = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });
  runId = walked.runId;
  // An entry of no run in the middle of this one: a run's export has a gap there.
  await answered(fake, 'UNOTADMIN', /Only cspatch admins/, () => bot.command('UNOTADMIN', CHANNEL, 'lang de'), 'the refused language change');
  await waitAudit(redis, prefix, (e) => e.actor === 'UNOTADMIN' && e.detail.command === 'lang', 'the audited language refusal');
  await answered(fake, 'UADMIN1', /another admin must approve/, () => bot.click('UADMIN1', CHANNEL, button(walked.parent, 'cspatch_approve')), 'the self-approval refusal');
  await bot.click('UADMIN2', CHANNEL, button(walked.parent, 'cspatch_approve'));
  await waitReply(fake, CHANNEL, walked.parent.ts, /Summary for/, 'the summary', 90_000);
  await waitAudit(redis, prefix, (e) => e.runId === runId && e.action === 'succeeded', 'the last audit entry of the run');
  await settled(redis, prefix, runId);
  const run = await runOf(redis, prefix, runId);
  planHash = run.plan!.hash;
  steps = run.plan!.steps.length;
}, 150_000);

afterAll(async () => {
  await cleanupBots();
  await cleanupRunners();
  await fake.close();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
  rmSync(dir, { recursive: true, force: true });
});

describe('what the audit trail records', () => {
  it('has every request, confirmation, approval, refusal, click and step, with actor, run and plan hash', async () => {
    const all = await auditOf(redis, prefix);
    expect(findChainBreak(all)).toBe(-1);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    const refusedRequest = all.find((e) => e.action === 'refused' && e.actor === 'UNOTADMIN' && e.detail.reason === 'not_admin' && e.detail.server);
    expect(refusedRequest).toMatchObject({ runId: null, planHash: null, detail: { reason: 'not_admin', channel: CHANNEL } });

    const trail = all.filter((e) => e.runId === runId);
    const count = (action: string, actor?: string) => trail.filter((e) => e.action === action && (actor === undefined || e.actor === actor)).length;
    expect(count('requested', 'UADMIN1')).toBe(1);
    expect(count('confirmed', 'UADMIN1')).toBe(1);
    expect(count('plan', 'UADMIN1')).toBe(1);
    expect(count('refused', 'UADMIN1')).toBe(1);
    expect(count('approved', 'UADMIN2')).toBe(1);
    expect(count('step_started', 'runner')).toBe(steps);
    expect(count('step_finished', 'runner')).toBe(steps);
    expect(count('succeeded')).toBe(1);
    // Clicks: opening the form, the refused approval, the approval.
    expect(trail.filter((e) => e.action === 'click').map((e) => [e.actor, e.detail.actionId])).toEqual([
      ['UADMIN1', 'cspatch_confirm_open'],
      ['UADMIN1', 'cspatch_approve'],
      ['UADMIN2', 'cspatch_approve'],
    ]);
    expect(trail.find((e) => e.action === 'refused')).toMatchObject({ actor: 'UADMIN1', planHash, detail: { reason: 'self_approval' } });

    for (const e of trail) {
      expect(e.actor).toMatch(/^(U[A-Z0-9]+|runner|cspatch)$/);
      expect(e.at).toBeGreaterThan(0);
      expect(e.runId).toBe(runId);
    }
    // Before the plan exists there is no hash to bind to; from the plan on, every entry has it.
    const planAt = trail.findIndex((e) => e.action === 'plan');
    expect(trail.slice(0, planAt).every((e) => e.planHash === null || e.action === 'click')).toBe(true);
    expect(trail.slice(planAt).every((e) => e.planHash === planHash)).toBe(true);
    // The click comes before what it caused; every step start before its end.
    const at = (action: string, actor: string) => trail.findIndex((e) => e.action === action && e.actor === actor);
    expect(at('click', 'UADMIN2')).toBeLessThan(at('approved', 'UADMIN2'));
    const jobs = trail.filter((e) => e.action === 'step_started').map((e) => e.detail.jobId);
    expect(trail.filter((e) => e.action === 'step_finished').map((e) => e.detail.jobId)).toEqual(jobs);
  });

  it('is shown by /cspatch audit <run>', async () => {
    const text = await answered(fake, 'UADMIN3', /requested/, () => bot.command('UADMIN3', CHANNEL, `audit ${runId}`), 'the audit trail');
    for (const words of ['<@UADMIN1> requested', '<@UADMIN1> confirmed', '<@UADMIN1> refused (self_approval)', '<@UADMIN2> click', '<@UADMIN2> approved', 'runner step_started', 'runner step_finished', 'cspatch succeeded']) {
      expect(text).toContain(words);
    }
    expect(text.split('\n').filter((l) => / step_started$/.test(l))).toHaveLength(steps);
  });
});

describe('cspatch audit export and verify', () => {
  it('exports every entry as one JSON line, which verify finds intact, ending at the stored head', async () => {
    const file = join(dir, 'all.jsonl');
    const exported = await cspatchAudit(['export', '--out', file]);
    expect(exported).toMatchObject({ code: 0, stdout: '' });
    const total = await redis.xlen(createKeys(prefix).audit);
    expect(exported.stderr).toContain(`exported ${total} entries`);
    expect(lines(file)).toHaveLength(total);
    const head = (await redis.get(createKeys(prefix).auditHead)) ?? '';
    const [headSeq, headHash] = head.split(':');

    const verified = await cspatchAudit(['verify', file]);
    expect(verified.code).toBe(0);
    expect(verified.stdout.trim()).toBe(`OK: ${total} entries, chain intact; head seq ${headSeq} hash ${headHash}`);
    // From standard input, as in `cspatch audit export | cspatch audit verify -`.
    const piped = await cspatchAudit(['verify', '-'], readFileSync(file, 'utf8'));
    expect(piped).toMatchObject({ code: 0, stdout: verified.stdout });
    // And to standard output.
    const toStdout = await cspatchAudit(['export']);
    expect(toStdout.code).toBe(0);
    expect(toStdout.stdout).toBe(readFileSync(file, 'utf8'));
  }, 60_000);

  it('names the entry that was edited, and the one after an entry that was removed', async () => {
    const file = join(dir, 'base.jsonl');
    expect((await cspatchAudit(['export', '--out', file])).code).toBe(0);
    const original = lines(file);
    const index = original.findIndex((l) => (JSON.parse(l) as ChainedAuditEntry).action === 'approved');
    const approved = JSON.parse(original[index]!) as ChainedAuditEntry;

    // Someone makes UADMIN3 the approver.
    const edited = [...original];
    edited[index] = JSON.stringify({ ...approved, actor: 'UADMIN3' });
    writeFileSync(join(dir, 'edited.jsonl'), `${edited.join('\n')}\n`);
    const v1 = await cspatchAudit(['verify', join(dir, 'edited.jsonl')]);
    expect(v1.code).toBe(1);
    expect(v1.stdout).toContain(`BROKEN at seq ${approved.seq} (line ${index + 1}): its hash does not match its content`);

    // …and recomputes that entry's hash: the next entry no longer links to it.
    const rehashed = [...original];
    const forged = { ...approved, actor: 'UADMIN3' };
    rehashed[index] = JSON.stringify({ ...forged, hash: chainHash(forged.prevHash, forged) });
    writeFileSync(join(dir, 'rehashed.jsonl'), `${rehashed.join('\n')}\n`);
    const v2 = await cspatchAudit(['verify', join(dir, 'rehashed.jsonl')]);
    expect(v2.code).toBe(1);
    expect(v2.stdout).toContain(`BROKEN at seq ${approved.seq + 1} (line ${index + 2}): its prevHash is not the hash of seq ${approved.seq}`);

    // …or removes it.
    const removed = original.filter((_, i) => i !== index);
    const v3 = await cspatchAudit(['verify', '-'], `${removed.join('\n')}\n`);
    expect(v3.code).toBe(1);
    expect(v3.stdout).toContain(`BROKEN at seq ${approved.seq + 1} (line ${index + 1}): seq ${approved.seq + 1} follows seq ${approved.seq - 1}`);

    // A line that is not an entry at all.
    const junk = [...original];
    junk[2] = '{"seq": 3, "actor": "nobody"}';
    const v4 = await cspatchAudit(['verify', '-'], junk.join('\n'));
    expect(v4.code).toBe(1);
    expect(v4.stdout).toMatch(/^BROKEN at seq 3 \(line 3\): not an audit entry/);
  }, 60_000);

  it("exports one run's entries, which verify --partial checks with the gaps the other entries leave", async () => {
    const file = join(dir, 'run.jsonl');
    const exported = await cspatchAudit(['export', '--run', runId, '--out', file]);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toContain('--partial');
    const entries = lines(file).map((l) => JSON.parse(l) as ChainedAuditEntry);
    expect(entries.length).toBe((await auditOf(redis, prefix, runId)).length);
    expect(entries.every((e) => e.runId === runId)).toBe(true);

    expect((await cspatchAudit(['verify', file])).code).toBe(1);
    const partial = await cspatchAudit(['verify', '--partial', file]);
    expect(partial.code).toBe(0);
    const last = entries.at(-1)!;
    expect(partial.stdout.trim()).toMatch(new RegExp(`^OK: ${entries.length} entries, chain intact; head seq ${last.seq} hash ${last.hash} \\(a partial export: from seq ${entries[0]!.seq}, [1-9]\\d* gaps?\\)$`));
    expect(entries[0]!.seq).toBeGreaterThan(1); // the refused request of no run came first

    const edited = lines(file);
    edited[0] = edited[0]!.replace('"UADMIN1"', '"UADMIN9"');
    const broken = await cspatchAudit(['verify', '--partial', '-'], edited.join('\n'));
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`BROKEN at seq ${entries[0]!.seq} (line 1)`);
  }, 60_000);

  it('answers a wrong command line with usage and exit code 64', async () => {
    expect((await cspatchAudit([])).code).toBe(64);
    expect((await cspatchAudit(['export', '--run', 'NOT A RUN'])).code).toBe(64);
    const missing = await cspatchAudit(['verify', join(dir, 'no-such-file.jsonl')]);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain('cannot read');
  }, 30_000);
});
