/**
 * Fault: the runner dies mid-step (SIGKILL, as a crash or a hard reboot would), together with the
 * step's PowerShell. Its heartbeats stop, so after CSPATCH_RUNNER_LOST_AFTER the bot marks the
 * step interrupted and asks a human. The runner that comes back reports the step from its
 * journal, and nothing runs the step again until an admin clicks Retry.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { loadBotConfig } from '../../core/config.js';
import { cleanupBots, startBot, type BotHandle } from '../helpers/bot.js';
import { buttons, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import {
  finishedResultsFor, planStepsRan, range, ranCleanly, serverOf, startPatch, storedRun, threadEvents, waitResultsConsumed, PATIENCE,
} from '../helpers/faults.js';
import { button, waitParent, waitReply } from '../helpers/patch-driver.js';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { cleanupRunners, killGroup, loadScenarioFixture, processGone, runnerTestPrefix, startRunner, waitUntil } from '../helpers/runner.js';

const CHANNEL = 'CLOST01';
const prefix = runnerTestPrefix('lost');
let fake: FakeSlack;
let bot: BotHandle;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL);
  fake = await startFakeSlack();
  bot = await startBot({ prefix, slackApiUrl: fake.url, env: { CSPATCH_RUNNER_LOST_AFTER: '2' } });
});

afterAll(async () => {
  await cleanupBots();
  await cleanupRunners();
  await fake.close();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

describe('runner lost mid-step', () => {
  it('gives up on a silent runner after 90 s unless configured otherwise', () => {
    const env = { SLACK_BOT_TOKEN: 'xoxb-x', SLACK_SIGNING_SECRET: 's', CSPATCH_RUNNER_SECRET: 'a'.repeat(32), CSPATCH_ADMINS: 'UADMIN1' };
    expect(loadBotConfig(env).CSPATCH_RUNNER_LOST_AFTER).toBe(90_000);
    expect(loadBotConfig({ ...env, CSPATCH_RUNNER_LOST_AFTER: '2' }).CSPATCH_RUNNER_LOST_AFTER).toBe(2_000);
  });

  it('marks the step interrupted with Retry/Skip/Abort, and only a click runs it again', async () => {
    const base = loadScenarioFixture('sfb2015-standard');
    const server = serverOf(base);
    // Step 6 (net stop w3svc) never ends on the first machine.
    const first = startRunner({ server, prefix, scenario: { ...base, hang: ['stop-w3svc'] } });
    await first.waitForOutput(/registered|heartbeat|detected/i, 'registration', PATIENCE);
    const { parent, runId, plan } = await startPatch(bot, fake, { channel: CHANNEL, scenario: base });
    await waitReply(fake, CHANNEL, parent.ts, /Step 6\/14 started/, 'step 6 to start', PATIENCE);
    await waitUntil(() => first.simLog().some((e) => e.stepId === 'stop-w3svc'), 'step 6 to run on the server', PATIENCE);

    // The machine goes away: the runner and the step's processes die at once.
    first.child.kill('SIGKILL');
    await first.exited;
    const hungPid = first.simLog().find((e) => e.stepId === 'stop-w3svc')?.pid ?? -1;
    killGroup(hungPid);
    await waitUntil(() => processGone(hungPid), 'the hung step to be gone', PATIENCE);

    const lost = await waitReply(fake, CHANNEL, parent.ts, /Step 6 \(.*\) was interrupted/, 'the interrupted gate', PATIENCE);
    expect(buttons(lost.blocks).map((b) => b.actionId)).toEqual(
      expect.arrayContaining(['cspatch_decide_retry', 'cspatch_decide_skip', 'cspatch_decide_abort']),
    );
    await waitParent(fake, CHANNEL, server, (t) => t.includes('step 6 was interrupted'), 'the parent to show the interruption', PATIENCE);
    const run = await storedRun(redis, prefix, runId);
    expect(run.value.status).toBe('interrupted');
    const hungJob = String((run.value.steps as Array<{ jobId: string }>)[5]?.jobId);

    // The same machine comes back: its journal says step 6 was running, so it reports it interrupted…
    const second = startRunner({ server, prefix, scenario: base, dir: first.dir });
    await second.waitForOutput(/reported the step left by the previous run/, 'the journal report', PATIENCE);
    await waitUntil(async () => (await finishedResultsFor(redis, prefix, hungJob)).length === 1, 'the journal report in the stream', PATIENCE);
    expect((await finishedResultsFor(redis, prefix, hungJob))[0]).toMatchObject({ outcome: 'interrupted', errorCode: 'step_interrupted' });
    await waitResultsConsumed(redis, prefix);
    await second.waitForOutput(/job already handled/, 'the redelivered job to be acknowledged without running', PATIENCE);
    // …and runs nothing by itself: step 6 ran once, and the run still waits for a human.
    expect(planStepsRan(second.simLog().map((e) => e.stepId)).filter((s) => s === 'stop-w3svc')).toHaveLength(1);
    expect((await storedRun(redis, prefix, runId)).value.status).toBe('interrupted');

    // An admin checks the server and clicks Retry: step 6 runs a second time, and the patch ends.
    await bot.click('UADMIN2', CHANNEL, button(lost, 'cspatch_decide_retry'));
    await waitReply(fake, CHANNEL, parent.ts, /Summary for/, 'the summary', PATIENCE);
    await waitResultsConsumed(redis, prefix);

    expect(threadEvents(fake, CHANNEL, parent.ts)).toEqual([
      'plan-ready',
      'approved',
      ...ranCleanly(range(1, 5)),
      'start 6', 'runner-lost 6', 'gate-interrupted 6', 'decision retry 6', 'start 6 #2', 'done 6',
      ...ranCleanly(range(7, 14)),
      'summary',
    ]);
    const ids = plan.steps.map((s) => s.stepId);
    expect(planStepsRan(second.simLog().map((e) => e.stepId))).toEqual([...ids.slice(0, 6), ids[5], ...ids.slice(6)]);
  }, 300_000);
});
