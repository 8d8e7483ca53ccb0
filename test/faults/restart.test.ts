/**
 * Fault: the bot process dies (SIGKILL) and a new one starts with the same CSPATCH_BOT_ID.
 * Runs, effects, timers and unacknowledged results live in Redis, so the new process carries on:
 * a result that arrived while no bot ran is applied once, the thread gets what it missed, and
 * buttons posted by the dead process still work.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { BOT_GROUP, createKeys } from '../../core/keys.js';
import { cleanupBots, startBot, type BotHandle } from '../helpers/bot.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import {
  finishedResultsFor, holdStep, planStepsRan, range, ranCleanly, serverOf, startPatch, storedRun, threadEvents, waitOutboxEmpty, waitResultsConsumed, PATIENCE,
} from '../helpers/faults.js';
import { button, waitParent, waitReply } from '../helpers/patch-driver.js';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { cleanupRunners, loadScenarioFixture, runnerTestPrefix, startRunner, waitUntil } from '../helpers/runner.js';

const CHANNEL = 'CRESTART1';
const BOT_ID = 'bot-restart';
const prefix = runnerTestPrefix('restart');
let fake: FakeSlack;
let redis: Redis;

const startReplica = (): Promise<BotHandle> => startBot({ prefix, slackApiUrl: fake.url, env: { CSPATCH_BOT_ID: BOT_ID } });

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

describe('bot restart mid-run', () => {
  it('resumes the run from Redis: the result that came meanwhile is applied once, old buttons still work', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cspatch-runner-'));
    const held = holdStep(dir, 'stop-w3svc');
    const scenario = {
      ...loadScenarioFixture('sfb2019-standard'),
      // step 3 fails once, so the thread has buttons; step 6 runs until the test lets it finish
      fail: { 'check-pending-reboot': { exitCode: 1, stderr: 'simulated failure', times: 1 } },
      waitForFile: { 'stop-w3svc': held.path },
    };
    const runner = startRunner({ server: serverOf(scenario), prefix, scenario, dir });
    await runner.waitForOutput(/registered|heartbeat|detected/i, 'registration', PATIENCE);

    // First process: takes the run to the failure gate of step 3, then dies.
    const first = await startReplica();
    const { parent, runId, plan } = await startPatch(first, fake, { channel: CHANNEL, scenario });
    const gate = await waitReply(fake, CHANNEL, parent.ts, /Step 3 \(.*\) did not succeed/, 'the failure gate of step 3', PATIENCE);
    await waitOutboxEmpty(redis, prefix, runId);
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // Second process: the Retry button the first one posted still works.
    const second = await startReplica();
    expect((await second.click('UADMIN2', CHANNEL, button(gate, 'cspatch_decide_retry'))).status).toBe(200);
    await waitReply(fake, CHANNEL, parent.ts, /Step 6\/14 started/, 'step 6 to start', PATIENCE);
    await waitOutboxEmpty(redis, prefix, runId);
    // Killed while step 6 runs on the server.
    second.child.kill('SIGKILL');
    await second.exited;

    // With no bot running, step 6 ends and its result waits in the stream.
    const step6Job = String(((await storedRun(redis, prefix, runId)).value.steps as Array<{ jobId: string }>)[5]?.jobId);
    held.release();
    await waitUntil(async () => (await finishedResultsFor(redis, prefix, step6Job)).length === 1, 'the result of step 6 in the stream', PATIENCE);
    // …and a bot had read it when it died, before applying and acknowledging it: it is pending
    // for this bot's consumer name, which the next process reads first.
    const read = (await redis.call('XREADGROUP', 'GROUP', BOT_GROUP, BOT_ID, 'COUNT', 100, 'STREAMS', createKeys(prefix).results, '>')) as unknown[] | null;
    expect(read).not.toBeNull();

    // Third process: applies the pending result once and finishes the patch.
    await startReplica();
    await waitReply(fake, CHANNEL, parent.ts, /Summary for/, 'the summary', PATIENCE);
    await waitParent(fake, CHANNEL, serverOf(scenario), (t) => t.includes('Patched successfully'), 'the final parent', PATIENCE);
    await waitResultsConsumed(redis, prefix);

    // The thread: every message once, in order, including those due while no bot ran.
    expect(threadEvents(fake, CHANNEL, parent.ts)).toEqual([
      'plan-ready',
      'approved',
      ...ranCleanly([1, 2]),
      'start 3', 'failed 3', 'gate-failure 3', 'decision retry 3', 'start 3 #2', 'done 3',
      ...ranCleanly(range(4, 14)),
      'summary',
    ]);
    // The server ran each step once, and step 3 once more because an admin clicked Retry.
    const ids = plan.steps.map((s) => s.stepId);
    expect(planStepsRan(runner.simLog().map((e) => e.stepId))).toEqual([...ids.slice(0, 3), ids[2], ...ids.slice(3)]);
    // The bot recorded each job's outcome once (the audit trail has one step_finished per job).
    const finished = (await redis.xrange(createKeys(prefix).audit, '-', '+'))
      .map(([, f]) => JSON.parse(f[1] ?? '{}') as { runId: string; action: string; detail: { jobId?: string } })
      .filter((e) => e.runId === runId && e.action === 'step_finished')
      .map((e) => e.detail.jobId);
    expect(finished).toHaveLength(15);
    expect(new Set(finished).size).toBe(15);
    expect((await storedRun(redis, prefix, runId)).value.status).toBe('succeeded');
  }, 300_000);

  it('finishes the parent refresh a killed bot had in hand', async () => {
    const channel = 'CRESTART2';
    const scenario = { ...loadScenarioFixture('sfb2015-standard'), fail: { 'check-package': { exitCode: 1, stderr: 'simulated failure', times: 1 } } };
    const server = serverOf(scenario);
    const runner = startRunner({ server, prefix, scenario });
    await runner.waitForOutput(/registered|heartbeat|detected/i, 'registration', PATIENCE);
    const env = { CSPATCH_BOT_ID: 'bot-restart-2', CSPATCH_SLACK_TIMEOUT: '3' };
    const first = await startBot({ prefix, slackApiUrl: fake.url, env });
    const { parent, runId } = await startPatch(first, fake, { channel, scenario });
    const gate = await waitReply(fake, channel, parent.ts, /Step 2 \(.*\) did not succeed/, 'the failure gate of step 2', PATIENCE);
    await waitParent(fake, channel, server, (t) => t.includes('step 2 failed'), 'the parent to show the failure', PATIENCE);
    await waitOutboxEmpty(redis, prefix, runId);

    // The abort is the run's last change; the refresh that shows it hangs in Slack, and the bot dies.
    const hang = { hang: true } as const;
    fake.failNext('chat.update', hang);
    await first.click('UADMIN2', channel, button(gate, 'cspatch_decide_abort'));
    await fake.waitFor((calls) => calls.some((c) => c.fault === hang), PATIENCE);
    first.child.kill('SIGKILL');
    await first.exited;

    await startBot({ prefix, slackApiUrl: fake.url, env });
    await waitParent(fake, channel, server, (t) => t.includes('Aborted'), 'the parent to show the abort', PATIENCE);
    expect((await storedRun(redis, prefix, runId)).value.status).toBe('aborted');
  }, 300_000);
});
