/**
 * Fault: the same thing arrives twice. Slack redelivers a request (X-Slack-Retry-Num), an admin
 * double-clicks or two admins click the same button, a result or a job shows up again in its
 * stream. Each interaction takes effect once: one run, one approval, one retry, one step.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { App, Receiver } from '@slack/bolt';
import { Redis } from 'ioredis';
import { createSlackChat } from '../../bot/chat/slack-chat.js';
import { startBotService } from '../../bot/core/bot-service.js';
import { policyFromConfig } from '../../bot/core/policy-from-config.js';
import { createSlackApp } from '../../bot/slack/slack-app.js';
import { loadBotConfig } from '../../core/config.js';
import { createKeys } from '../../core/keys.js';
import { createLogger } from '../../core/logger.js';
import { MESSAGE_FIELD } from '../../core/messages.js';
import { parseScenario, sqlOf } from '../../sim/scenario.js';
import { createRedisStores } from '../../store/redis/create-redis-stores.js';
import { BOT_TOKEN, cleanupBots, confirmValues, SIGNING_SECRET, startBot, type BotHandle } from '../helpers/bot.js';
import { buttons, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { finishedResultsFor, planFor, planStepsRan, range, ranCleanly, threadEvents, waitResultsConsumed, PATIENCE } from '../helpers/faults.js';
import { button, ephemeralTexts, packagePathFor, runIdOf, waitParent, waitReply } from '../helpers/patch-driver.js';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { blockAction, sendToBot, slashCommand, viewSubmission } from '../helpers/slack-requests.js';
import { cleanupRunners, loadScenarioFixture, runnerTestPrefix, startRunner, TEST_MASTER, waitUntil } from '../helpers/runner.js';

const CHANNEL = 'CDUP01';
const prefix = runnerTestPrefix('dup');
let fake: FakeSlack;
let bot: BotHandle;
let redis: Redis;
const keys = createKeys(prefix);

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL);
  fake = await startFakeSlack();
  bot = await startBot({ prefix, slackApiUrl: fake.url });
});

afterAll(async () => {
  await cleanupBots();
  await cleanupRunners();
  await fake.close();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

/** Sends `body` as Slack first does, then as its redelivery: same body, X-Slack-Retry-Num set. */
async function deliverTwice(body: string): Promise<void> {
  const [first, again] = await Promise.all([
    sendToBot(bot.baseUrl, body, { secret: SIGNING_SECRET }),
    sendToBot(bot.baseUrl, body, { secret: SIGNING_SECRET, retryNum: 1, retryReason: 'http_timeout' }),
  ]);
  // Both are acknowledged, or Slack would keep retrying.
  expect([first.status, again.status]).toEqual([200, 200]);
}

/** A click of its own (not a redelivery): Slack gives every click a new action_ts. */
function clickAt(user: string, b: { actionId: string; value?: string }, actionTs: string): string {
  const payload = JSON.parse(new URLSearchParams(blockAction({ userId: user, channelId: CHANNEL, ...b })).get('payload') ?? '{}') as { actions?: Array<Record<string, unknown>> };
  const [action] = payload.actions ?? [];
  if (!action) throw new Error('a block action without an action');
  action.action_ts = actionTs;
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** Audit entries of one kind, as the bot wrote them. */
async function audited(action: string, reason?: string): Promise<Array<Record<string, unknown>>> {
  const entries = await redis.xrange(keys.audit, '-', '+');
  return entries
    .map(([, f]) => JSON.parse(f[f.indexOf(MESSAGE_FIELD) + 1] ?? '{}') as { action: string; detail: Record<string, unknown> })
    .filter((e) => e.action === action && (reason === undefined || e.detail.reason === reason));
}

describe('duplicate and late deliveries', () => {
  it('applies each request, click, result and job once', async () => {
    // Step 4 fails once, so there is a Retry button to click twice.
    const scenario = { ...loadScenarioFixture('lync2013-enterprise'), fail: { 'open-shell': { exitCode: 1, stderr: 'simulated failure', times: 1 } } };
    const s = parseScenario(scenario);
    const runner = startRunner({ server: s.server, prefix, scenario });
    await runner.waitForOutput(/registered|heartbeat|detected/i, 'registration', PATIENCE);

    // The slash command, redelivered: one run.
    await deliverTwice(slashCommand({ text: `patch ${s.server} ${packagePathFor(scenario)}`, userId: 'UADMIN1', channelId: CHANNEL }));
    await waitUntil(async () => (await audited('refused', 'replayed_command')).length === 1, 'the redelivered command to be refused', PATIENCE);
    const confirming = await waitParent(fake, CHANNEL, s.server, (_t, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_confirm_open'), 'the confirm button', PATIENCE);
    const runId = runIdOf(confirming);

    // The confirm button, redelivered: one modal.
    await deliverTwice(blockAction({ userId: 'UADMIN1', channelId: CHANNEL, ...button(confirming, 'cspatch_confirm_open') }));
    await waitUntil(async () => (await audited('refused', 'replayed_click')).length === 1, 'the redelivered click to be refused', PATIENCE);
    await fake.waitForCall('views.open', undefined, PATIENCE);

    // The modal submission, redelivered: one confirmation.
    const sql = sqlOf(s);
    await deliverTwice(viewSubmission({
      userId: 'UADMIN1',
      callbackId: 'cspatch_confirm',
      privateMetadata: runId,
      values: confirmValues({ product: s.product, edition: s.edition, collocated: s.collocated.length > 0, ...(sql ? { sql } : {}), packagePath: packagePathFor(scenario) }),
    }));
    await waitUntil(async () => (await audited('refused', 'replayed_submission')).length === 1, 'the redelivered submission to be refused', PATIENCE);
    const parent = await waitParent(fake, CHANNEL, s.server, (_t, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_approve'), 'the approve button', PATIENCE);

    // The approval, redelivered: one approval.
    await deliverTwice(blockAction({ userId: 'UADMIN2', channelId: CHANNEL, ...button(parent, 'cspatch_approve') }));
    await waitUntil(async () => (await audited('refused', 'replayed_click')).length === 2, 'the redelivered approval to be refused', PATIENCE);

    // Retry clicked three times at once (a double click, and a second admin): one retry.
    const gate = await waitReply(fake, CHANNEL, parent.ts, /Step 4 \(.*\) did not succeed/, 'the failure gate of step 4', PATIENCE);
    const retry = button(gate, 'cspatch_decide_retry');
    await Promise.all([
      sendToBot(bot.baseUrl, clickAt('UADMIN2', retry, '1795000000.000100'), { secret: SIGNING_SECRET }),
      sendToBot(bot.baseUrl, clickAt('UADMIN2', retry, '1795000000.400200'), { secret: SIGNING_SECRET }),
      bot.click('UADMIN3', CHANNEL, retry),
    ]);
    await waitReply(fake, CHANNEL, parent.ts, /Summary for/, 'the summary', PATIENCE);
    await waitResultsConsumed(redis, prefix);
    // The two clicks that lost were told the button is out of date.
    await waitUntil(
      () => [...ephemeralTexts(fake, 'UADMIN2'), ...ephemeralTexts(fake, 'UADMIN3')].filter((t) => /out of date/.test(t)).length === 2,
      'the two late clicks to be answered',
      PATIENCE,
    );

    const plan = planFor(scenario, runId);
    const expectedThread = [
      'plan-ready',
      'approved',
      ...ranCleanly(range(1, 3)),
      'start 4', 'failed 4', 'gate-failure 4', 'decision retry 4', 'start 4 #2', 'done 4',
      ...ranCleanly(range(5, plan.steps.length)),
      'summary',
    ];
    expect(threadEvents(fake, CHANNEL, parent.ts)).toEqual(expectedThread);
    const ids = plan.steps.map((p) => p.stepId);
    const expectedSteps = [...ids.slice(0, 4), ids[3], ...ids.slice(4)];
    expect(planStepsRan(runner.simLog().map((e) => e.stepId))).toEqual(expectedSteps);
    // One run, one parent, one "started" answer to the requester; nobody was told the server was busy.
    expect(fake.messages(CHANNEL).filter((m) => !m.thread_ts)).toHaveLength(1);
    expect(fake.calls.filter((c) => c.method === 'views.open')).toHaveLength(1);
    expect(ephemeralTexts(fake, 'UADMIN1').filter((t) => /Starting run/.test(t))).toHaveLength(1);
    expect(ephemeralTexts(fake, 'UADMIN1').filter((t) => /already active|can only be confirmed/.test(t))).toHaveLength(0);
    expect(ephemeralTexts(fake, 'UADMIN2').filter((t) => /already decided/.test(t))).toHaveLength(0);

    // A result delivered late, again: the stream carries it twice, the run applies it once.
    const stepsBefore = runner.simLog().length;
    const results = await redis.xrange(keys.results, '-', '+');
    const step2 = results.find(([, f]) => {
      const m = JSON.parse(f[f.indexOf(MESSAGE_FIELD) + 1] ?? '{}') as { type?: string; stepId?: string };
      return m.type === 'finished' && m.stepId === ids[1];
    });
    if (!step2) throw new Error('no finished result for step 2');
    await redis.xadd(keys.results, '*', ...step2[1]);
    // A job delivered again in a new entry: the runner refuses it as a replay and runs nothing.
    const jobs = await redis.xrange(keys.jobs(s.server), '-', '+');
    const job3 = jobs.find(([, f]) => (JSON.parse(f[f.indexOf(MESSAGE_FIELD) + 1] ?? '{}') as { stepId?: string }).stepId === ids[2]);
    if (!job3) throw new Error('no job for step 3');
    const job3Id = (JSON.parse(job3[1][job3[1].indexOf(MESSAGE_FIELD) + 1] ?? '{}') as { jobId: string }).jobId;
    await redis.xadd(keys.jobs(s.server), '*', ...job3[1]);
    await waitUntil(async () => (await finishedResultsFor(redis, prefix, job3Id)).some((m) => m.errorCode === 'job_replayed'), 'the replayed job to be refused', PATIENCE);
    await waitResultsConsumed(redis, prefix);

    expect(runner.simLog()).toHaveLength(stepsBefore);
    expect(threadEvents(fake, CHANNEL, parent.ts)).toEqual(expectedThread);
    const stepFinished = (await audited('step_finished')).map((e) => (e.detail as { jobId: string }).jobId);
    expect(stepFinished).toHaveLength(plan.steps.length + 1);
    expect(new Set(stepFinished).size).toBe(plan.steps.length + 1);
    await waitParent(fake, CHANNEL, s.server, (t) => t.includes('Patched successfully'), 'the final parent', PATIENCE);
  }, 300_000);

  it('takes a Socket Mode envelope delivered again (retry_attempt) once', async () => {
    // Socket Mode hands Bolt each envelope's payload with its retry number, as this receiver does;
    // the bot is built in this process exactly as `cspatch bot` builds it.
    const receiver = new EnvelopeReceiver();
    const config = loadBotConfig({
      SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.url, REDIS_URL: TEST_REDIS_URL,
      CSPATCH_PREFIX: prefix, CSPATCH_RUNNER_SECRET: TEST_MASTER, CSPATCH_ADMINS: 'UADMIN1,UADMIN2,UADMIN3', LOG_LEVEL: 'silent',
    });
    const logger = createLogger('cspatch-bot', config.LOG_LEVEL);
    const stores = createRedisStores({ redisUrl: config.REDIS_URL, prefix, connectionName: 'test-socket-bot' });
    const service = await startBotService({
      stores,
      chat: createSlackChat({ token: BOT_TOKEN, slackApiUrl: fake.url, timeoutMs: config.CSPATCH_SLACK_TIMEOUT }),
      logger,
      policy: policyFromConfig(config),
      runnerSecret: TEST_MASTER,
      admins: config.CSPATCH_ADMINS,
      adminGroup: undefined,
      channels: [],
      defaultLang: 'en',
      breakGlassEnabled: false,
      retentionMs: config.CSPATCH_RETENTION,
      parentIntervalMs: config.CSPATCH_PARENT_UPDATE_INTERVAL,
      consumerName: 'bot-socket',
    });
    createSlackApp(config, service.deps, logger, receiver);
    try {
      const s = parseScenario(loadScenarioFixture('lync2013-enterprise'));
      const parentsBefore = fake.messages(CHANNEL).filter((m) => !m.thread_ts).length;
      const replayedBefore = (await audited('refused', 'replayed_command')).length;
      const command = Object.fromEntries(new URLSearchParams(slashCommand({ text: `patch ${s.server}`, userId: 'UADMIN3', channelId: CHANNEL })));
      await receiver.deliver(command);
      await receiver.deliver(command, 1);
      expect(receiver.acks).toBe(2);
      await waitUntil(async () => (await audited('refused', 'replayed_command')).length === replayedBefore + 1, 'the redelivered envelope to be refused', PATIENCE);
      await waitUntil(() => ephemeralTexts(fake, 'UADMIN3').some((t) => /Starting run/.test(t)), 'the run to start', PATIENCE);
      await waitUntil(() => fake.messages(CHANNEL).filter((m) => !m.thread_ts).length === parentsBefore + 1, 'the new parent', PATIENCE);
      expect(ephemeralTexts(fake, 'UADMIN3').filter((t) => /Starting run|already active/.test(t))).toEqual([expect.stringMatching(/Starting run/)]);
      await service.executor.settled();
    } finally {
      await service.stop();
      await stores.close();
    }
  }, 300_000);
});

/** Feeds bodies into Bolt the way its SocketModeReceiver does with each envelope it receives. */
class EnvelopeReceiver implements Receiver {
  acks = 0;
  private app: App | null = null;

  init(app: App): void {
    this.app = app;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  async deliver(body: Record<string, unknown>, retryNum?: number): Promise<void> {
    if (!this.app) throw new Error('the receiver was not initialised by an App');
    await this.app.processEvent({
      body,
      ack: async () => {
        this.acks += 1;
      },
      ...(retryNum === undefined ? {} : { retryNum, retryReason: 'timeout' }),
    });
  }
}
