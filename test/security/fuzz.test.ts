/**
 * Bad input, tried systematically with fast-check (fixed seeds, bounded runs: this suite runs in
 * every `npm test`). The pure parsers first, with many cases; then a running bot and runner with
 * fewer: slash-command text, modal values, button values, request bodies and headers, job and
 * result stream entries. Every malformed input gets a clear answer or is dropped, nothing crashes
 * the bot or the runner, nothing unvalidated reaches PowerShell, and the run they all aim at
 * never changes.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { tokenize, parseCommand } from '../../bot/slash/parse-command.js';
import { checkConfirmation } from '../../bot/lifecycle/confirmation.js';
import type { DetectedFacts } from '../../bot/lifecycle/run.js';
import { readConfirmation, type StateValues } from '../../bot/views/confirm-modal.js';
import { getStep, STEP_IDS } from '../../commands/catalog.js';
import { EDITIONS, PRODUCT_IDS } from '../../commands/products.js';
import { renderScript } from '../../commands/render-script.js';
import { fqdnSchema, windowsPathSchema } from '../../commands/schemas.js';
import { BOT_GROUP, createKeys, RUNNER_GROUP } from '../../core/keys.js';
import { jobMessageSchema, MESSAGE_FIELD, signMessage, verifyMessage, type FinishedResult } from '../../core/messages.js';
import { deriveRunnerKey } from '../../core/signing.js';
import { checkJob } from '../../runners/check-job.js';
import { parseScenario } from '../../sim/scenario.js';
import { openRedis } from '../../store/redis/connection.js';
import { cleanupBots, confirmValues, SIGNING_SECRET, startBot, type BotHandle } from '../helpers/bot.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { walkToPlan } from '../helpers/patch-driver.js';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { cleanupRunners, randomJobId, runnerTestPrefix, TEST_MASTER, waitUntil, type RunnerHandle } from '../helpers/runner.js';
import { blockAction, sendToBot, signSlackRequest, slashCommand, viewSubmission, type ViewStateValues } from '../helpers/slack-requests.js';
import { answered, auditOf, groupCaughtUp, ran, readyRunner, runOf, scenarioFor } from './support.js';

const COMMANDS = ['patch', 'status', 'abort', 'audit', 'runners', 'history', 'lang', 'help'];
const text = (maxLength = 60) => fc.string({ unit: 'binary', maxLength });
/** Strings that look like what people type: words, FQDNs, paths, flags, quotes. */
const token = fc.oneof(
  text(20),
  fc.constantFrom('--break-glass', '"', '“', '”', 'be01.contoso.com', 'C:\\Updates\\SkypeServerUpdateInstaller.exe', '\\\\fs01\\share\\x.exe', 'me', 'de', '<!channel>', '$(Stop-Computer)', "'; Remove-Item C:\\ -Recurse; '"),
  fc.stringMatching(/^[a-z0-9.-]{1,30}$/),
  fc.stringMatching(/^"[^"]{0,30}"$/),
);

describe('pure parsers, many cases', () => {
  it('parseCommand never throws; junk gets the usage; a patch carries only validated values', () => {
    const commandText = fc.oneof(
      text(300),
      fc.tuple(fc.oneof(fc.constantFrom(...COMMANDS, 'PATCH', 'Patch'), text(12)), fc.array(token, { maxLength: 6 })).map(([c, args]) => [c, ...args].join(' ')),
      text(40).map((t) => `patch ${t.repeat(80)}`),
    );
    fc.assert(
      fc.property(commandText, (input) => {
        const cmd = parseCommand(input);
        const first = tokenize(input.trim())[0];
        if (input.length <= 2000 && first !== undefined && !COMMANDS.includes(first.toLowerCase())) {
          expect(cmd).toEqual({ kind: 'error', key: 'command.unknown', params: { word: first.slice(0, 40) } });
        }
        if (cmd.kind === 'error') expect(cmd.key).toMatch(/^(command|ephemeral)\.[a-z_]+$/);
        if (cmd.kind === 'patch') {
          expect(fqdnSchema.parse(cmd.server)).toBe(cmd.server);
          if (cmd.packagePath !== null) expect(windowsPathSchema.parse(cmd.packagePath)).toBe(cmd.packagePath);
          expect((cmd.breakGlass ?? '').length).toBeLessThanOrEqual(500);
        }
      }),
      { seed: 4242, numRuns: 3000 },
    );
  });

  it('any submitted form values are read and checked without throwing; only valid facts pass', () => {
    const loose = fc.oneof(fc.jsonValue(), fc.constantFrom(...PRODUCT_IDS, ...EDITIONS, 'yes', 'sql01.contoso.com', 'C:\\Updates\\SkypeServerUpdateInstaller.exe'));
    const element = fc.record(
      { type: fc.string(), value: loose, selected_option: fc.oneof(fc.record({ value: loose }), fc.jsonValue()), selected_options: fc.oneof(fc.array(fc.record({ value: loose }), { maxLength: 3 }), fc.jsonValue()) },
      { requiredKeys: [] },
    );
    const field = fc.constantFrom('product', 'edition', 'collocated', 'sql', 'package', 'ack');
    const values = fc.oneof(fc.jsonValue(), fc.dictionary(field, fc.oneof(fc.dictionary(field, element), fc.jsonValue())));
    const detected = fc.constantFrom<DetectedFacts | null>(null, {
      product: 'sfb2019', version: '7.0.2046.404', edition: 'enterprise', poolFqdn: 'pool.contoso.com', sqlServerFqdn: 'sql01.contoso.com', collocated: ['monitoring'],
      csComponents: true, mirrored: false, pendingReboot: false, package: null,
    });
    fc.assert(
      fc.property(values, detected, (v, d) => {
        const input = readConfirmation(v as StateValues);
        const check = checkConfirmation(d, input);
        if (check.ok) {
          expect(PRODUCT_IDS).toContain(check.draft.product);
          expect(EDITIONS).toContain(check.draft.edition);
          expect(windowsPathSchema.parse(check.draft.packagePath)).toBe(check.draft.packagePath);
          if (check.draft.sqlServerFqdn !== null) expect(fqdnSchema.parse(check.draft.sqlServerFqdn)).toBe(check.draft.sqlServerFqdn);
          if (check.draft.edition === 'standard') expect(check.draft.collocatedStores).toBe(false);
        } else {
          expect(Object.keys(check.errors).length).toBeGreaterThan(0);
        }
      }),
      { seed: 777, numRuns: 2000 },
    );
  });

  it('checkJob: any stream entry is dropped, refused or run, and only a signed catalog job with valid parameters runs', () => {
    const server = 'be01.contoso.com';
    const key = deriveRunnerKey(TEST_MASTER, server);
    const now = Date.now();
    const seen = new Set<string>();
    fc.assert(
      fc.property(jobEntry(server, key, now), (raw) => {
        const verdict = checkJob({ id: '1-1', raw }, { key, server, entryOf: () => undefined, now });
        expect(['drop', 'refuse', 'run']).toContain(verdict.kind);
        seen.add(verdict.kind === 'refuse' ? verdict.errorCode : verdict.kind);
        if (verdict.kind === 'refuse') expect(verdict.message.length).toBeGreaterThan(0);
        if (verdict.kind === 'run') {
          const job = jobMessageSchema.parse(JSON.parse(raw));
          expect(verifyMessage(key, job)).toBe(true);
          expect(job.server.toLowerCase()).toBe(server); // DNS names compare without case
          expect(getStep(job.stepId).params.safeParse(job.params).success).toBe(true);
          expect(verdict.script).toBe(renderScript(job.stepId, job.params));
        }
      }),
      { seed: 99, numRuns: 3000 },
    );
    // The cases reach every kind of answer, or the property proves little.
    expect([...seen].sort()).toEqual(expect.arrayContaining(['drop', 'run', 'job_malformed', 'job_signature_invalid', 'job_unsigned', 'job_wrong_server', 'job_replayed', 'param_invalid', 'unknown_step']));
  });
});

/** The first most of the time (4 in 5), so that cases get past the first checks; else the second. */
function mostly<T>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: usual, weight: 4 }, { arbitrary: odd, weight: 1 });
}

/**
 * Job stream entries: junk text, any JSON, and job-shaped objects with some fields wrong, signed
 * (with `key`, over whatever they hold), signed and then altered, or not signed at all.
 */
function jobEntry(server: string, key: string, now: number): fc.Arbitrary<string> {
  const shaped = fc
    .record({
      v: mostly(fc.constant(1), fc.jsonValue()),
      jobId: mostly(fc.stringMatching(/^job_[a-f0-9]{16}$/), text(70)),
      runId: mostly(fc.stringMatching(/^[a-z0-9]{12}$/), text(40)),
      server: mostly(fc.constant(server), fc.oneof(fc.constant(server.toUpperCase()), fc.constant('other.contoso.com'), text(30))),
      stepId: mostly(fc.constantFrom(...STEP_IDS), text(30)),
      params: fc.oneof(
        fc.record({ product: fc.oneof(fc.constantFrom(...PRODUCT_IDS), text(10)) }),
        fc.dictionary(fc.constantFrom('product', 'packagePath', 'sqlServerFqdn', 'runId', 'script', 'minFreeBytes'), fc.oneof(fc.jsonValue(), token)),
        fc.jsonValue(),
      ),
      attempt: mostly(fc.integer({ min: 1, max: 3 }), fc.jsonValue()),
      issuedAt: mostly(fc.constant(now), fc.oneof(fc.constant(now - 2 * 86_400_000), fc.integer())),
    })
    .chain((job) =>
      fc.oneof(
        fc.constant(job),
        { arbitrary: fc.constant(signMessage(key, job)), weight: 3 },
        fc.record({ field: fc.constantFrom('params', 'stepId', 'server', 'attempt'), value: fc.jsonValue() }).map(({ field, value }) => ({ ...signMessage(key, job), [field]: value })),
        fc.constant(signMessage(deriveRunnerKey(TEST_MASTER, 'other.contoso.com'), job)),
        fc.string().map((sig) => ({ ...job, sig })),
      ),
    )
    .map((o) => JSON.stringify(o));
  return fc.oneof(text(200), fc.json(), { arbitrary: shaped, weight: 4 });
}

describe('a running bot and runner', () => {
  const prefix = runnerTestPrefix('fuzz');
  const keys = createKeys(prefix);
  const CHANNEL = 'CFUZZ01';
  const scenario = scenarioFor('sfb2019-enterprise', 'fe-fuzz.contoso.com');
  const server = parseScenario(scenario).server;
  let fake: FakeSlack;
  let bot: BotHandle;
  let runner: RunnerHandle;
  let redis: Redis;
  let runId: string;
  let hash: string;
  let snapshot: string;

  beforeAll(async () => {
    redis = openRedis(TEST_REDIS_URL, 'security-fuzz');
    fake = await startFakeSlack();
    bot = await startBot({ prefix, slackApiUrl: fake.url });
    runner = await readyRunner(redis, prefix, scenario);
    // The target of everything below: a plan that waits for approval.
    const walked = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });
    runId = walked.runId;
    const run = await runOf(redis, prefix, runId);
    hash = run.plan!.hash;
    snapshot = JSON.stringify(run);
  }, 60_000);

  afterAll(async () => {
    await cleanupBots();
    await cleanupRunners();
    await fake.close();
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  });

  /** Nothing changed for the run, the bot and the runner are up, and the bot still answers. */
  async function unharmed(): Promise<void> {
    expect(JSON.stringify(await runOf(redis, prefix, runId))).toBe(snapshot);
    expect(ran(runner)).toEqual(['detect-facts', 'detect-facts']);
    expect(bot.child.exitCode).toBeNull();
    expect(runner.child.exitCode).toBeNull();
    await answered(fake, 'UADMIN3', /patches Skype for Business Server/, () => bot.command('UADMIN3', CHANNEL, 'help'), 'the usage, after the fuzzing');
  }

  it('answers a click with any button value 200, audits it, and never changes the run', async () => {
    const users = fc.constantFrom('UADMIN1', 'UADMIN2', 'UNOTADMIN');
    const actionId = fc.oneof(
      fc.constantFrom('cspatch_approve', 'cspatch_reject', 'cspatch_output', 'cspatch_confirm_open', 'cspatch_decide_retry', 'cspatch_decide_skip', 'cspatch_decide_abort', 'cspatch_decide_proceed'),
      fc.stringMatching(/^cspatch_[a-z_]{1,20}$/),
    );
    const nearValid = fc
      .record(
        {
          r: fc.oneof(fc.constant(runId), fc.stringMatching(/^[a-z0-9]{6,32}$/), text(20)),
          h: fc.oneof(fc.stringMatching(/^[0-9a-f]{64}$/), text(70)),
          a: fc.oneof(fc.constantFrom('retry', 'skip', 'abort', 'restore', 'wait', 'proceed', 'reboot'), text(10)),
          s: fc.oneof(fc.integer({ min: -1, max: 101 }), fc.jsonValue()),
          j: fc.oneof(fc.stringMatching(/^[a-z0-9-]{8,40}$/), text(100)),
          x: fc.jsonValue(),
        },
        { requiredKeys: ['r'] },
      )
      .filter((v) => v.h !== hash)
      .map((v) => JSON.stringify(v));
    const value = fc.oneof(text(300), fc.json(), nearValid);
    const firstSeq = (await auditOf(redis, prefix)).at(-1)?.seq ?? 0;
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(users, actionId, value, async (user, action, v) => {
        const res = await bot.click(user, CHANNEL, { actionId: action, value: v });
        expect(res.status).toBe(200);
        sent += 1;
      }),
      { seed: 1234, numRuns: 60 },
    );
    // Every click is in the audit trail (as a click, or a refused replay): then all were handled.
    await waitUntil(
      async () => (await auditOf(redis, prefix)).filter((e) => e.seq > firstSeq && (e.action === 'click' || e.detail.reason === 'replayed_click')).length === sent,
      'every click to be handled',
      60_000,
    );
    await unharmed();
  }, 120_000);

  it('answers a form submission with any values 200 (with field errors), and never changes the run', async () => {
    const anyValues = fc.oneof(
      fc.dictionary(fc.constantFrom('product', 'edition', 'collocated', 'sql', 'package', 'ack', 'other'), fc.dictionary(text(10), fc.jsonValue())),
      fc.record({ product: fc.string(), edition: fc.string(), sql: fc.string(), packagePath: token }).map((v) => confirmValues({ ...v, collocated: false }) as Record<string, unknown>),
    );
    const metadata = fc.oneof(fc.constant(runId), text(40));
    await fc.assert(
      fc.asyncProperty(anyValues, metadata, async (values, meta) => {
        // Only invalid forms here: a valid one would (rightly) replace the plan.
        fc.pre(!checkConfirmation(null, readConfirmation(values)).ok);
        const res = await sendToBot(bot.baseUrl, viewSubmission({ userId: 'UADMIN1', callbackId: 'cspatch_confirm', privateMetadata: meta, values: values as ViewStateValues }), { secret: SIGNING_SECRET });
        expect(res.status).toBe(200);
        expect(res.json).toMatchObject({ response_action: 'errors' });
      }),
      { seed: 555, numRuns: 60 },
    );
    await unharmed();
  }, 120_000);

  it('answers any body with any headers 200, 400 or 401, and 401 whenever the signature is bad, missing or stale', async () => {
    const url = `${bot.baseUrl}/slack/events`;
    const body = fc.oneof(
      text(400),
      fc.json(),
      fc.jsonValue().map((v) => new URLSearchParams({ payload: JSON.stringify(v) }).toString()),
      fc.dictionary(fc.constantFrom('command', 'text', 'user_id', 'channel_id', 'type', 'token', 'payload'), text(30)).map((d) => new URLSearchParams(d).toString()),
      text(50).map((t) => slashCommand({ text: t, userId: 'UADMIN2', channelId: CHANNEL })),
      fc.jsonValue().map((v) => blockAction({ userId: 'UNOTADMIN', channelId: CHANNEL, actionId: 'cspatch_approve', value: JSON.stringify(v) })),
      fc.record({ type: fc.constantFrom('block_actions', 'view_submission', 'event_callback', 'shortcut', 'url_verification'), user: fc.jsonValue(), actions: fc.jsonValue(), view: fc.jsonValue(), challenge: text(10) }, { requiredKeys: ['type'] })
        .map((p) => new URLSearchParams({ payload: JSON.stringify(p) }).toString()),
    );
    const contentType = fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded; charset=utf-8', undefined);
    const signature = fc.constantFrom('valid', 'none', 'bad', 'stale', 'garbage', 'no-timestamp', 'duplicate');
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(body, contentType, signature, async (b, type, sig) => {
        const now = Math.floor(Date.now() / 1000);
        const signed = signSlackRequest(sig === 'bad' ? `${SIGNING_SECRET}-x` : SIGNING_SECRET, b, sig === 'stale' ? now - 301 : now);
        const headers = new Headers();
        if (type) headers.set('content-type', type);
        if (sig !== 'no-timestamp') headers.set('x-slack-request-timestamp', signed['x-slack-request-timestamp']);
        if (sig === 'garbage') headers.set('x-slack-signature', 'v0=not-hex');
        else if (sig === 'duplicate') headers.append('x-slack-signature', `${signed['x-slack-signature']}, ${signed['x-slack-signature']}`);
        else if (sig !== 'none') headers.set('x-slack-signature', signed['x-slack-signature']);
        const res = await fetch(url, { method: 'POST', headers, body: b });
        await res.arrayBuffer();
        expect([200, 400, 401]).toContain(res.status);
        statuses.add(res.status);
        const sslCheck = type === 'application/x-www-form-urlencoded' && new URLSearchParams(b).get('ssl_check') === '1';
        if (sig !== 'valid' && !sslCheck) expect(res.status).toBe(401);
      }),
      { seed: 8080, numRuns: 150 },
    );
    expect([...statuses].sort()).toEqual([200, 400, 401]);
    await unharmed();
  }, 120_000);

  it('refuses a request whose signature is more than five minutes old, bad or missing, and accepts a fresh one', async () => {
    const body = slashCommand({ text: 'help', userId: 'UADMIN3', channelId: CHANNEL });
    const now = Math.floor(Date.now() / 1000);
    expect((await sendToBot(bot.baseUrl, body, { secret: SIGNING_SECRET, stale: true })).status).toBe(401);
    expect((await sendToBot(bot.baseUrl, body, { secret: SIGNING_SECRET, timestamp: now - 6 * 60 })).status).toBe(401);
    expect((await sendToBot(bot.baseUrl, body, { secret: SIGNING_SECRET, badSignature: true })).status).toBe(401);
    expect((await sendToBot(bot.baseUrl, body, { secret: SIGNING_SECRET, noSignature: true })).status).toBe(401);
    expect((await sendToBot(bot.baseUrl, body, { secret: SIGNING_SECRET, timestamp: now - 4 * 60 })).status).toBe(200);
  });

  it('refuses or drops any job entry: nothing reaches PowerShell and the runner stays up', async () => {
    const key = deriveRunnerKey(TEST_MASTER, server);
    const now = Date.now();
    const expected: Array<{ jobId: string; refused: boolean }> = [];
    await fc.assert(
      fc.asyncProperty(jobEntry(server, key, now), async (raw) => {
        const verdict = checkJob({ id: '0-1', raw }, { key, server, entryOf: () => undefined, now: Date.now() });
        // Valid jobs are for the other tests; everything here must be refused or dropped.
        fc.pre(verdict.kind !== 'run');
        if (verdict.kind === 'refuse') expected.push({ jobId: verdict.ids.jobId, refused: true });
        await redis.xadd(keys.jobs(server), '*', MESSAGE_FIELD, raw);
      }),
      { seed: 31337, numRuns: 150 },
    );
    await groupCaughtUp(redis, keys.jobs(server), RUNNER_GROUP, 'the runner to judge every entry', 60_000);
    expect(expected.length).toBeGreaterThan(50);
    expect(ran(runner)).toEqual(['detect-facts', 'detect-facts']);
    const finished = (await redis.xrange(keys.results, '-', '+'))
      .map(([, f]) => JSON.parse(f[f.indexOf(MESSAGE_FIELD) + 1] ?? '{}') as Partial<FinishedResult>)
      .filter((m) => m.type === 'finished');
    const refusedIds = new Set(expected.map((e) => e.jobId));
    expect(finished.filter((m) => refusedIds.has(m.jobId ?? '')).every((m) => m.outcome === 'refused' && m.server === server)).toBe(true);
    for (const { jobId } of expected) expect(finished.some((m) => m.jobId === jobId && m.outcome === 'refused')).toBe(true);

    // Still alive and still willing to run a real job.
    const job = signMessage(key, { v: 1 as const, jobId: randomJobId(), runId: 'fuzzcheck01', server, stepId: 'check-pending-reboot', params: { product: 'sfb2019' }, attempt: 1, issuedAt: Date.now() });
    expect(checkJob({ id: '0-2', raw: JSON.stringify(job) }, { key, server, entryOf: () => undefined, now: Date.now() }).kind).toBe('run');
    await redis.xadd(keys.jobs(server), '*', MESSAGE_FIELD, JSON.stringify(job));
    await waitUntil(() => ran(runner).length === 3, 'the valid job to run');
    expect(ran(runner).at(-1)).toBe('check-pending-reboot');
    snapshot = JSON.stringify(await runOf(redis, prefix, runId));
    await unharmedExceptTheCheck();
  }, 180_000);

  /** As unharmed(), after the one real job the runner was given on purpose. */
  async function unharmedExceptTheCheck(): Promise<void> {
    expect(bot.child.exitCode).toBeNull();
    expect(runner.child.exitCode).toBeNull();
    await answered(fake, 'UADMIN3', /patches Skype for Business Server/, () => bot.command('UADMIN3', CHANNEL, 'help'), 'the usage, after the fuzzing');
  }

  it("drops any result entry that is not a signed report from the run's own runner: nothing changes", async () => {
    const run = await runOf(redis, prefix, runId);
    const outputKeys = async () => (await redis.keys(`${keys.run(runId).replace(/[{}]/g, '\\$&')}:out:*`)).sort();
    const outputsBefore = await Promise.all((await outputKeys()).map(async (k) => [k, await redis.llen(k)]));
    const ownKey = deriveRunnerKey(TEST_MASTER, server);
    const others = ['other.contoso.com', 'se01.contoso.com'];
    const base = fc.record({
      v: mostly(fc.constant(1), fc.jsonValue()),
      jobId: mostly(fc.constant(run.detectJobId ?? 'none'), fc.stringMatching(/^[A-Za-z0-9_-]{8,20}$/)),
      runId: mostly(fc.constant(runId), fc.stringMatching(/^[a-z0-9]{6,12}$/)),
      server: mostly(fc.constant(server), fc.oneof(fc.constantFrom(...others), text(20))),
    });
    const shaped = fc
      .tuple(
        base,
        fc.oneof(
          fc.record({ type: fc.constant('started'), stepId: fc.constantFrom('detect-facts', 'check-admin-role'), at: fc.nat() }),
          fc.record({ type: fc.constant('output'), seq: fc.integer({ min: 1, max: 5 }), lines: fc.array(fc.record({ stream: fc.constantFrom('stdout', 'stderr'), text: text(40) }), { maxLength: 3 }), at: fc.nat() }),
          fc.record({
            type: fc.constant('finished'),
            stepId: fc.constantFrom('detect-facts', 'check-admin-role', 'install-update'),
            outcome: fc.constantFrom('succeeded', 'failed', 'refused', 'interrupted'),
            exitCode: fc.oneof(fc.integer(), fc.constant(null)),
            durationMs: fc.nat(),
            data: fc.oneof(fc.dictionary(text(8), fc.jsonValue()), fc.constant({ facts: { product: 'lync2013', edition: 'standard' } })),
            tail: fc.array(text(40), { maxLength: 3 }),
            at: fc.nat(),
          }),
          fc.record({ type: text(10), extra: fc.jsonValue() }),
        ),
      )
      .map(([b, rest]): Record<string, unknown> => ({ ...b, ...rest }))
      .chain((m) =>
        fc.oneof(
          fc.constant<Record<string, unknown>>(m),
          fc.string().map((sig) => ({ ...m, sig })),
          // Honestly signed by another server's runner (about this run, or claiming to be this server).
          fc.constantFrom(...others).map((other) => signMessage(deriveRunnerKey(TEST_MASTER, other), { ...m, server: other })),
          fc.constantFrom(...others).map((other) => signMessage(deriveRunnerKey(TEST_MASTER, other), m)),
          // Signed by this run's runner, then altered.
          fc.record({ field: fc.constantFrom('outcome', 'data', 'jobId', 'tail', 'lines'), value: fc.jsonValue() }).map(({ field, value }) => ({ ...signMessage(ownKey, m), [field]: value })),
        ),
      )
      .map((o) => JSON.stringify(o));
    await fc.assert(
      fc.asyncProperty(fc.oneof(text(200), fc.json(), { arbitrary: shaped, weight: 4 }), async (raw) => {
        // A genuine report of this run's own runner is the one thing that may change the run.
        fc.pre(!isGenuine(raw, server, ownKey));
        await redis.xadd(keys.results, '*', MESSAGE_FIELD, raw);
      }),
      { seed: 2718, numRuns: 150 },
    );
    await groupCaughtUp(redis, keys.results, BOT_GROUP, 'the bot to read every entry', 60_000);
    // Among them, forgeries the bot recognised as such and recorded.
    const refused = (await auditOf(redis, prefix, runId)).filter((e) => e.action === 'result_refused').map((e) => e.detail.reason);
    expect(new Set(refused)).toEqual(new Set(['signature', 'wrong_server']));
    expect(JSON.stringify(await runOf(redis, prefix, runId))).toBe(snapshot);
    expect(await Promise.all((await outputKeys()).map(async (k) => [k, await redis.llen(k)]))).toEqual(outputsBefore);
    await unharmedExceptTheCheck();
  }, 180_000);
});

/** True for a result that verifies with this run's runner's key and names its server. */
function isGenuine(raw: string, server: string, key: string): boolean {
  try {
    const m = JSON.parse(raw) as { server?: unknown; sig?: unknown };
    return typeof m === 'object' && m !== null && typeof m.server === 'string' && m.server.toLowerCase() === server && verifyMessage(key, m);
  } catch {
    return false;
  }
}
