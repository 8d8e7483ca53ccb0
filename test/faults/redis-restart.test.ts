/**
 * Fault: Redis itself goes down (SIGKILL, as a crash or the moment of a failover) and comes back
 * with what it had acknowledged (append-only file, fsync always). Bot and runner reconnect and
 * carry on; a step's result is never lost, neither while the runner holds it (it keeps trying
 * until Redis takes it) nor between its stream entry and the bot's acknowledgement (the pending
 * entry survives). The server is the test's own and is removed afterwards.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { BOT_GROUP, createKeys } from '../../core/keys.js';
import { cleanupBots, startBot, type BotHandle } from '../helpers/bot.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import {
  finishedResultsFor, holdStep, planStepsRan, range, ranCleanly, serverOf, startPatch, startRedisServer, storedRun, threadEvents,
  waitOutboxEmpty, waitResultsConsumed, type RedisServerHandle, PATIENCE,
} from '../helpers/faults.js';
import { waitParent, waitReply } from '../helpers/patch-driver.js';
import { cleanupPrefix } from '../helpers/redis.js';
import { cleanupRunners, loadScenarioFixture, processGone, runnerTestPrefix, startRunner, waitUntil } from '../helpers/runner.js';

const CHANNEL = 'CREDIS01';
const BOT_ID = 'bot-redis';
const prefix = runnerTestPrefix('redis');
let srv: RedisServerHandle;
let fake: FakeSlack;
let redis: Redis;

const startReplica = (): Promise<BotHandle> => startBot({ prefix, slackApiUrl: fake.url, env: { REDIS_URL: srv.url, CSPATCH_BOT_ID: BOT_ID } });

beforeAll(async () => {
  srv = await startRedisServer({ persistent: true });
  // The test's own client reconnects like the others do.
  redis = new Redis(srv.url, { maxRetriesPerRequest: null });
  fake = await startFakeSlack();
});

afterAll(async () => {
  await cleanupBots();
  await cleanupRunners();
  await fake.close();
  redis.disconnect();
  await srv.close();
});

/** The runner's journal: the state of the step it last started. */
function journalState(path: string): string | null {
  if (!existsSync(path)) return null;
  const data = JSON.parse(readFileSync(path, 'utf8')) as { current: { stepId: string; state: string } | null };
  return data.current ? `${data.current.stepId}:${data.current.state}` : null;
}

describe('Redis restart', () => {
  it('bot and runner reconnect and carry on, and no result is lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cspatch-runner-'));
    const held6 = holdStep(dir, 'stop-w3svc');
    const held9 = holdStep(dir, 'reopen-shell');
    const scenario = { ...loadScenarioFixture('sfb2019-standard'), waitForFile: { 'stop-w3svc': held6.path, 'reopen-shell': held9.path } };
    const runner = startRunner({ server: serverOf(scenario), prefix, scenario, dir, env: { REDIS_URL: srv.url } });
    await runner.waitForOutput(/registered|heartbeat|detected/i, 'registration', PATIENCE);
    const { parent, runId, plan } = await startPatch(await startReplica(), fake, { channel: CHANNEL, scenario });

    // 1. Redis dies while step 6 runs, and the step ends during the outage. The runner holds its
    //    outcome (the journal says the step started) and stores it once Redis is back.
    await waitReply(fake, CHANNEL, parent.ts, /Step 6\/14 started/, 'step 6 to start', PATIENCE);
    await waitOutboxEmpty(redis, prefix, runId);
    await srv.crash();
    held6.release();
    const step6Pid = await waitUntil(() => runner.simLog().find((e) => e.stepId === 'stop-w3svc')?.pid, 'step 6 in the sim log', PATIENCE);
    await waitUntil(() => processGone(step6Pid), 'step 6 to end on the server', PATIENCE);
    expect(journalState(runner.journalPath)).toMatch(/^stop-w3svc:/);
    await srv.restart();
    await waitReply(fake, CHANNEL, parent.ts, /Step 9\/14 started/, 'the run to go on after Redis is back', PATIENCE);
    await waitOutboxEmpty(redis, prefix, runId);

    // 2. While step 9 runs, the bot dies. The step's result reaches the stream and is read by a bot
    //    that dies before acknowledging it; then Redis crashes. The pending entry must survive.
    await cleanupBots();
    const step9Job = String(((await storedRun(redis, prefix, runId)).value.steps as Array<{ jobId: string }>)[8]?.jobId);
    held9.release();
    await waitUntil(async () => (await finishedResultsFor(redis, prefix, step9Job)).length === 1, 'the result of step 9 in the stream', PATIENCE);
    await redis.call('XREADGROUP', 'GROUP', BOT_GROUP, BOT_ID, 'COUNT', 100, 'STREAMS', createKeys(prefix).results, '>');
    const [pendingBefore] = (await redis.xpending(createKeys(prefix).results, BOT_GROUP)) as [number];
    expect(pendingBefore).toBeGreaterThan(0);
    await srv.crash();
    await srv.restart();
    const [pendingAfter] = (await redis.xpending(createKeys(prefix).results, BOT_GROUP)) as [number];
    expect(pendingAfter).toBe(pendingBefore);

    // A new bot picks the pending result up and finishes the patch.
    await startReplica();
    await waitReply(fake, CHANNEL, parent.ts, /Summary for/, 'the summary', PATIENCE);
    await waitParent(fake, CHANNEL, serverOf(scenario), (t) => t.includes('Patched successfully'), 'the final parent', PATIENCE);
    await waitResultsConsumed(redis, prefix);

    expect(threadEvents(fake, CHANNEL, parent.ts)).toEqual(['plan-ready', 'approved', ...ranCleanly(range(1, plan.steps.length)), 'summary']);
    expect(planStepsRan(runner.simLog().map((e) => e.stepId))).toEqual(plan.steps.map((s) => s.stepId));
    // One outcome per step reached the stream and the run.
    for (const step of (await storedRun(redis, prefix, runId)).value.steps as Array<{ jobId: string; status: string }>) {
      expect(step.status).toBe('succeeded');
      expect((await finishedResultsFor(redis, prefix, step.jobId)).length).toBe(1);
    }
    await cleanupBots();
    await cleanupRunners();
  }, 300_000);

  it('rides out a Redis that refuses writes for a while, dropping no effect', async () => {
    // A primary at maxmemory answers writes with OOM errors, as a demoted one answers READONLY:
    // the connection stays up, the commands fail. Here it happens while an effect is in hand.
    const prefix2 = runnerTestPrefix('redis-oom');
    const channel = 'CREDIS02';
    const dir = mkdtempSync(join(tmpdir(), 'cspatch-runner-'));
    const held = holdStep(dir, 'check-pending-reboot');
    const scenario = { ...loadScenarioFixture('sfb2015-standard'), waitForFile: { 'check-pending-reboot': held.path } };
    const runner = startRunner({ server: serverOf(scenario), prefix: prefix2, scenario, dir, env: { REDIS_URL: srv.url } });
    await runner.waitForOutput(/registered|heartbeat|detected/i, 'registration', PATIENCE);
    const bot = await startBot({ prefix: prefix2, slackApiUrl: fake.url, env: { REDIS_URL: srv.url, CSPATCH_SLACK_TIMEOUT: '2' } });
    const { parent, runId, plan } = await startPatch(bot, fake, { channel, scenario });
    await waitReply(fake, channel, parent.ts, /Step 3\/14 started/, 'step 3 to start', PATIENCE);
    await waitOutboxEmpty(redis, prefix2, runId);

    // The reply to step 3's end hangs in Slack; while the bot waits for it, Redis stops taking writes.
    const hang = { hang: true } as const;
    fake.failNext('chat.postMessage', hang);
    held.release();
    await fake.waitFor((calls) => calls.some((c) => c.fault === hang), PATIENCE);
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.config('SET', 'maxmemory', '1');
    try {
      // The Slack call times out, and putting the reply back for later fails with OOM.
      await waitUntil(() => /OOM/.test(bot.output()), 'the bot to meet the OOM error', PATIENCE);
    } finally {
      await redis.config('SET', 'maxmemory', '0');
    }

    await waitReply(fake, channel, parent.ts, /Summary for/, 'the summary', PATIENCE);
    await waitParent(fake, channel, serverOf(scenario), (t) => t.includes('Patched successfully'), 'the final parent', PATIENCE);
    await waitResultsConsumed(redis, prefix2);
    expect(bot.child.exitCode).toBeNull();
    expect(threadEvents(fake, channel, parent.ts)).toEqual(['plan-ready', 'approved', ...ranCleanly(range(1, plan.steps.length)), 'summary']);
    expect(planStepsRan(runner.simLog().map((e) => e.stepId))).toEqual(plan.steps.map((s) => s.stepId));
    const audit = (await redis.xrange(createKeys(prefix2).audit, '-', '+')).map(([, f]) => String(f[1]));
    expect(audit.filter((e) => e.includes('"effect_dropped"'))).toEqual([]);
    await cleanupPrefix(redis, prefix2);
  }, 300_000);
});
