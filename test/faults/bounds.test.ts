/**
 * Fault: a long life. Streams are capped (MAXLEN ~), a step's stored output is capped, and a
 * finished run's keys expire after CSPATCH_RETENTION while its history stays in the audit stream;
 * nothing a run leaves in the shared structures (timers, outbox index, active set) outlives it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { BOT_GROUP, createKeys, RUNNER_GROUP } from '../../core/keys.js';
import { MESSAGE_FIELD } from '../../core/messages.js';
import { JOBS_MAXLEN, RESULTS_MAXLEN } from '../../store/limits.js';
import { cleanupBots, startBot } from '../helpers/bot.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { keysUnder, serverOf, startPatch, storedRun, waitOutboxEmpty, waitResultsConsumed, PATIENCE } from '../helpers/faults.js';
import { waitParent, waitReply } from '../helpers/patch-driver.js';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { cleanupRunners, loadScenarioFixture, runnerTestPrefix, startRunner, waitUntil } from '../helpers/runner.js';

const CHANNEL = 'CBOUNDS01';
const RETENTION_S = 3;
const OUTPUT_CAP = 5000;
const prefix = runnerTestPrefix('bounds');
const keys = createKeys(prefix);
let fake: FakeSlack;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL);
  fake = await startFakeSlack();
});

afterAll(async () => {
  await cleanupBots();
  await cleanupRunners();
  await fake.close();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

/**
 * Fills a stream with `count` old entries nobody needs to read, and creates `group` after them
 * (as if every one had been consumed long ago). Returns the id of the oldest.
 */
async function fillStream(key: string, group: string, count: number): Promise<string> {
  for (let done = 0; done < count; done += 10_000) {
    const pipe = redis.pipeline();
    for (let i = done; i < Math.min(count, done + 10_000); i++) pipe.xadd(key, '*', MESSAGE_FIELD, '{"old":true}');
    await pipe.exec();
  }
  await redis.xgroup('CREATE', key, group, '$');
  const first = await redis.xrange(key, '-', '+', 'COUNT', 1);
  return first[0]?.[0] ?? '';
}

/** Node size of a stream's radix tree: `MAXLEN ~` trims whole nodes, so a stream may exceed the cap by up to one. */
const NODE_ENTRIES = 100;

describe('resource bounds', () => {
  it('caps streams and output, expires a finished run, and keeps its history in the audit stream', async () => {
    const scenario = {
      ...loadScenarioFixture('sfb2019-enterprise-collocated'),
      // a chatty step: more lines than one step's stored output keeps
      print: { 'stop-w3svc': Array.from({ length: OUTPUT_CAP + 1000 }, (_, i) => `line ${i + 1}`) },
    };
    const server = serverOf(scenario);
    const oldestResult = await fillStream(keys.results, BOT_GROUP, RESULTS_MAXLEN + 500);
    const oldestJob = await fillStream(keys.jobs(server), RUNNER_GROUP, JOBS_MAXLEN + 500);

    const bot = await startBot({ prefix, slackApiUrl: fake.url, env: { CSPATCH_RETENTION: String(RETENTION_S) } });
    const runner = startRunner({ server, prefix, scenario });
    await runner.waitForOutput(/registered|heartbeat|detected/i, 'registration', PATIENCE);
    const { parent, runId, plan } = await startPatch(bot, fake, { channel: CHANNEL, scenario });
    await waitReply(fake, CHANNEL, parent.ts, /Summary for/, 'the summary', PATIENCE);
    await waitParent(fake, CHANNEL, server, (t) => t.includes('Patched successfully'), 'the final parent', PATIENCE);
    await waitOutboxEmpty(redis, prefix, runId);
    await waitResultsConsumed(redis, prefix);

    // Streams stay within their caps: the oldest entries were trimmed away.
    expect(await redis.xlen(keys.results)).toBeLessThanOrEqual(RESULTS_MAXLEN + NODE_ENTRIES);
    expect((await redis.xrange(keys.results, '-', '+', 'COUNT', 1))[0]?.[0]).not.toBe(oldestResult);
    expect(await redis.xlen(keys.jobs(server))).toBeLessThanOrEqual(JOBS_MAXLEN + NODE_ENTRIES);
    expect((await redis.xrange(keys.jobs(server), '-', '+', 'COUNT', 1))[0]?.[0]).not.toBe(oldestJob);

    // One step's stored output is capped at its newest lines.
    const run = await storedRun(redis, prefix, runId);
    const chattyJob = (run.value.steps as Array<{ jobId: string }>)[plan.steps.findIndex((s) => s.stepId === 'stop-w3svc')]?.jobId ?? '';
    const output = await redis.lrange(keys.output(runId, chattyJob), 0, -1);
    expect(output).toHaveLength(OUTPUT_CAP);
    expect(output).toContain(`line ${OUTPUT_CAP + 1000}`);
    expect(output).not.toContain('line 1');

    // The audit trail grows with what happened, not with how much a step printed.
    const auditOf = async () => (await redis.xrange(keys.audit, '-', '+')).map(([, f]) => JSON.parse(f[f.indexOf(MESSAGE_FIELD) + 1] ?? '{}') as { runId: string | null; action: string });
    const history = (await auditOf()).filter((e) => e.runId === runId);
    expect(history.length).toBeLessThan(4 * plan.steps.length);
    expect(history.map((e) => e.action)).toEqual(expect.arrayContaining(['requested', 'approved', 'step_finished', 'succeeded']));

    // Finished: every key of the run carries the retention TTL, and the shared structures forgot it.
    const runKeys = (await keysUnder(redis, prefix)).filter((k) => k.startsWith(`${prefix}:{run:${runId}}`));
    expect(runKeys).toEqual(expect.arrayContaining([keys.run(runId), keys.refs(runId), keys.outputs(runId), keys.output(runId, chattyJob)]));
    for (const k of runKeys) {
      const ttl = await redis.pttl(k);
      expect([k, ttl > 0 && ttl <= RETENTION_S * 1000]).toEqual([k, true]);
    }
    expect(await redis.sismember(keys.activeRuns, runId)).toBe(0);
    expect((await redis.zrange(keys.timers, '0', '-1')).filter((m) => m.startsWith(runId))).toEqual([]);
    expect((await redis.zrange(keys.outboxReady, '0', '-1')).filter((m) => m.startsWith(runId))).toEqual([]);
    for (const k of (await keysUnder(redis, prefix)).filter((x) => x.startsWith(`${prefix}:seen:`))) expect(await redis.pttl(k)).toBeGreaterThan(0);

    // After the retention the run is gone from Redis; its history is not.
    await waitUntil(async () => (await keysUnder(redis, prefix)).every((k) => !k.startsWith(`${prefix}:{run:${runId}}`)), 'the run to expire', PATIENCE);
    expect((await auditOf()).filter((e) => e.runId === runId)).toEqual(history);
    expect(await redis.lrange(keys.history(server), 0, -1)).toContain(runId);
  }, 300_000);
});
