/**
 * Shared by the security suites: scenarios on servers of their own, runners that are ready, the
 * audit trail and run state as stored in Redis, and waiting for a consumer group to catch up.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Run } from '../../bot/lifecycle/run.js';
import { createKeys } from '../../core/keys.js';
import { parseScenario, type ScenarioInput } from '../../sim/scenario.js';
import type { ChainedAuditEntry } from '../../store/ports.js';
import { RedisAuditLog } from '../../store/redis/audit-log.js';
import type { BotHandle } from '../helpers/bot.js';
import { confirmValues } from '../helpers/bot.js';
import { blocksText, buttons, type FakeSlack, type StoredMessage } from '../helpers/fake-slack.js';
import { button, packagePathFor, runIdOf, waitParent } from '../helpers/patch-driver.js';
import { loadScenarioFixture, startRunner, waitUntil, type RunnerHandle, type StartRunnerOptions } from '../helpers/runner.js';

/** A fixture's server under another name, so each test patches a server of its own. */
export function scenarioFor(fixture: string, server: string, extra: Partial<ScenarioInput> = {}): ScenarioInput {
  return { ...loadScenarioFixture(fixture), ...extra, server };
}

/**
 * Starts a runner and waits until it is registered and its own start-up detection has reached
 * the (fake) PowerShell, so that every later sim log entry comes from a job.
 */
export async function readyRunner(redis: Redis, prefix: string, scenario: ScenarioInput, opts: Partial<StartRunnerOptions> = {}): Promise<RunnerHandle> {
  const server = parseScenario(scenario).server;
  const runner = startRunner({ server, prefix, scenario, ...opts });
  await waitUntil(async () => (await redis.zscore(createKeys(prefix).runners, server)) !== null, `the runner for ${server} to register`, 30_000);
  await waitUntil(() => runner.simLog().length >= 1, `the start-up detection of ${server}`, 30_000);
  await runner.waitForOutput(/"msg":"runner started"/, 'its start');
  return runner;
}

/** The steps PowerShell was asked to run, in order (the start-up detection included). */
export function ran(runner: RunnerHandle): Array<string | null> {
  return runner.simLog().map((e) => e.stepId);
}

/** The audit trail as stored (all of it, or one run's entries), oldest first. */
export async function auditOf(redis: Redis, prefix: string, runId?: string): Promise<ChainedAuditEntry[]> {
  return new RedisAuditLog(redis, createKeys(prefix)).read(runId);
}

/** Waits for an audit entry that `match` accepts. `redis` must speak RESP2 (openRedis). */
export async function waitAudit(redis: Redis, prefix: string, match: (e: ChainedAuditEntry) => boolean, what: string, timeoutMs = 20_000): Promise<ChainedAuditEntry> {
  let seen: ChainedAuditEntry[] = [];
  try {
    return await waitUntil(
      async () => {
        seen = await auditOf(redis, prefix);
        return seen.find(match);
      },
      what,
      timeoutMs,
    );
  } catch (err) {
    const tail = seen.slice(-15).map((e) => `${e.seq} ${e.actor} ${e.action} ${e.runId ?? '-'} ${JSON.stringify(e.detail).slice(0, 120)}`);
    throw new Error(`${(err as Error).message}\n--- audit trail ends with:\n${tail.join('\n')}`);
  }
}

/**
 * Resolves once every effect committed for the run so far was performed (both outbox queues are
 * empty). Audit entries of the lifecycle are effects too, performed in their own queue, so a
 * reply or a private answer in Slack can come before the entry: wait for this, then read.
 */
export async function settled(redis: Redis, prefix: string, runId: string): Promise<void> {
  const keys = createKeys(prefix);
  await waitUntil(
    async () => (await redis.llen(keys.outbox(runId, 'control'))) === 0 && (await redis.llen(keys.outbox(runId, 'slack'))) === 0,
    `every effect of ${runId} to be performed`,
    30_000,
  );
}

/** The run as the bot stored it. */
export async function runOf(redis: Redis, prefix: string, runId: string): Promise<Run> {
  const text = await redis.get(createKeys(prefix).run(runId));
  if (text === null) throw new Error(`run ${runId} is not stored`);
  return (JSON.parse(text) as { value: Run }).value;
}

export async function waitRun(redis: Redis, prefix: string, runId: string, ok: (run: Run) => boolean, what: string, timeoutMs = 30_000): Promise<Run> {
  return waitUntil(async () => {
    const run = await runOf(redis, prefix, runId);
    return ok(run) ? run : undefined;
  }, what, timeoutMs);
}

/** Every private answer `user` got so far, as text. */
export function ephemeralsOf(fake: FakeSlack, user: string): string[] {
  return fake.ephemerals().filter((e) => e.user === user).map((e) => blocksText(e.blocks) || e.text || '');
}

/**
 * Does `act` and waits for a private answer to `user` matching `pattern` that was not there
 * before, so an older answer with the same words cannot satisfy the wait.
 */
export async function answered(fake: FakeSlack, user: string, pattern: RegExp, act: () => Promise<unknown>, what: string, timeoutMs = 20_000): Promise<string> {
  const before = ephemeralsOf(fake, user).filter((t) => pattern.test(t)).length;
  await act();
  try {
    return await waitUntil(() => ephemeralsOf(fake, user).filter((t) => pattern.test(t))[before], what, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- ${user} got:\n${ephemeralsOf(fake, user).join('\n')}`);
  }
}

/** How many times the bot asked Slack for a user group's members. */
export function groupLookups(fake: FakeSlack): number {
  return fake.calls.filter((c) => c.method === 'usergroups.users.list').length;
}

/**
 * Resolves once `group` has been handed every entry of the stream at `key` and has acknowledged
 * all of them: whatever was added before has been judged by the reader.
 */
export async function groupCaughtUp(redis: Redis, key: string, group: string, what: string, timeoutMs = 30_000): Promise<void> {
  await waitUntil(
    async () => {
      const last = (await redis.xrevrange(key, '+', '-', 'COUNT', 1))[0]?.[0];
      if (!last) return true;
      const groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
      for (const flat of groups) {
        const g: Record<string, unknown> = {};
        for (let i = 0; i + 1 < flat.length; i += 2) g[String(flat[i])] = flat[i + 1];
        if (g.name === group) return g['last-delivered-id'] === last && Number(g.pending) === 0;
      }
      return false;
    },
    what,
    timeoutMs,
  );
}

/** A file the sim waits for before it lets `stepId` end (scenario `waitForFile`), and its release. */
export function holdStep(dir: string, stepId: string): { path: string; release: () => void } {
  const path = join(dir, `release-${stepId}`);
  return { path, release: () => writeFileSync(path, 'go') };
}

/**
 * `/cspatch <text>` (a patch, with whatever options) through confirmation of the detected facts,
 * to the plan waiting for approval.
 */
export async function walkWith(
  bot: BotHandle,
  fake: FakeSlack,
  opts: { channel: string; requester: string; scenario: ScenarioInput; extra?: string; confirm?: Partial<Parameters<typeof confirmValues>[0]>; waitForPlan?: boolean },
): Promise<{ parent: StoredMessage; runId: string }> {
  const s = parseScenario(opts.scenario);
  const path = packagePathFor(opts.scenario);
  const res = await bot.command(opts.requester, opts.channel, `patch ${s.server} ${path}${opts.extra ? ` ${opts.extra}` : ''}`);
  if (res.status !== 200) throw new Error(`slash command answered ${res.status}: ${res.text}`);
  const confirming = await waitParent(fake, opts.channel, s.server, (_t, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_confirm_open'), 'the confirm button');
  const runId = runIdOf(confirming);
  await bot.click(opts.requester, opts.channel, button(confirming, 'cspatch_confirm_open'));
  const sql = s.edition === 'enterprise' ? (s.sqlServerFqdn ?? undefined) : undefined;
  const submitted = await bot.submit(
    opts.requester,
    runId,
    confirmValues({ product: s.product, edition: s.edition, collocated: s.collocated.length > 0, ...(sql ? { sql } : {}), packagePath: path, ...opts.confirm }),
  );
  if (submitted.status !== 200 || submitted.text.includes('errors')) throw new Error(`modal submit refused: ${submitted.status} ${submitted.text}`);
  // A short approval TTL may expire the plan before a poll sees it: the caller waits then.
  if (opts.waitForPlan === false) return { parent: confirming, runId };
  const parent = await waitParent(fake, opts.channel, s.server, (_t, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_approve'), 'the approve button');
  return { parent, runId };
}

