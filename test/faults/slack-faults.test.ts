/**
 * Fault: Slack answers chat.postMessage and chat.update with 429 + Retry-After, with 5xx, or not at
 * all (the call hangs until CSPATCH_SLACK_TIMEOUT). Thread messages wait in the run's durable
 * outbox and go out in order, each once; the parent is refreshed by a coalesced timer, so a burst
 * of steps costs a few chat.update calls.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { cleanupBots, startBot, type BotHandle } from '../helpers/bot.js';
import { startFakeSlack, type Fault, type FakeSlack } from '../helpers/fake-slack.js';
import { planStepsRan, range, ranCleanly, serverOf, startPatch, storedRun, threadEvents, waitResultsConsumed, PATIENCE } from '../helpers/faults.js';
import { parentOf, waitParent, waitReply } from '../helpers/patch-driver.js';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { cleanupRunners, loadScenarioFixture, runnerTestPrefix, startRunner } from '../helpers/runner.js';

const CHANNEL = 'CSLACKF01';
const prefix = runnerTestPrefix('slackfault');
let fake: FakeSlack;
let bot: BotHandle;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL);
  fake = await startFakeSlack();
  bot = await startBot({ prefix, slackApiUrl: fake.url, env: { CSPATCH_SLACK_TIMEOUT: '1', CSPATCH_PARENT_UPDATE_INTERVAL: '1' } });
});

afterAll(async () => {
  await cleanupBots();
  await cleanupRunners();
  await fake.close();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

describe('Slack faults on chat.postMessage and chat.update', () => {
  it('delivers every thread message once and in order, and coalesces parent updates', async () => {
    const scenario = loadScenarioFixture('sfb2019-enterprise');
    const runner = startRunner({ server: serverOf(scenario), prefix, scenario });
    await runner.waitForOutput(/registered|heartbeat|detected/i, 'registration', PATIENCE);
    const { parent, runId, plan } = await startPatch(bot, fake, { channel: CHANNEL, scenario });

    // From the approval on, Slack fails the next calls of each method one after another; each
    // retry meets the next fault. Meanwhile the whole plan runs, so its replies pile up behind.
    // (Order keeps the wait short: a 429's Retry-After applies as is, the rest back off.)
    const postFaults: Fault[] = [{ hang: true }, { status: 503 }, { status: 429, retryAfter: 1 }];
    const updateFaults: Fault[] = [{ hang: true }, { status: 500 }, { status: 429, retryAfter: 1 }];
    for (const f of postFaults) fake.failNext('chat.postMessage', f);
    for (const f of updateFaults) fake.failNext('chat.update', f);

    await waitReply(fake, CHANNEL, parent.ts, /Summary for/, 'the summary', PATIENCE);
    const server = serverOf(scenario);
    await waitParent(fake, CHANNEL, server, (t) => t.includes('Patched successfully'), 'the final parent', PATIENCE);
    await waitResultsConsumed(redis, prefix);

    // No message lost, none twice, in the order the run produced them.
    expect(threadEvents(fake, CHANNEL, parent.ts)).toEqual(['plan-ready', 'approved', ...ranCleanly(range(1, plan.steps.length)), 'summary']);
    expect(planStepsRan(runner.simLog().map((e) => e.stepId))).toEqual(plan.steps.map((s) => s.stepId));

    // Coalesced: far fewer parent edits than state changes (each commit bumps the run's version).
    const { version } = await storedRun(redis, prefix, runId);
    const parentUpdates = parentOf(fake, CHANNEL, server)?.updates ?? 0;
    expect(parentUpdates).toBeGreaterThan(0);
    expect(parentUpdates).toBeLessThan(version);
    // Every fault met a call, and each failed call was followed by one that went through.
    for (const f of [...postFaults, ...updateFaults]) {
      const hit = fake.calls.findIndex((c) => c.fault === f);
      expect(hit).toBeGreaterThanOrEqual(0);
      expect(fake.calls.slice(hit + 1).some((c) => c.method === fake.calls[hit]?.method && c.response?.ok === true)).toBe(true);
    }
  }, 300_000);
});
