/**
 * Approvals cannot be replayed: an approval is bound to its run, its plan hash and the person who
 * clicks, expires, and is used once. Buttons copied from another run, from a plan that was
 * replaced, from an expired plan, or a click delivered again after the decision, change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { parseScenario } from '../../sim/scenario.js';
import { openRedis } from '../../store/redis/connection.js';
import { cleanupBots, confirmValues, SIGNING_SECRET, startBot, type BotHandle } from '../helpers/bot.js';
import { buttons, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { button, packagePathFor, replyTexts, waitParent, waitReply, walkToPlan } from '../helpers/patch-driver.js';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { cleanupRunners, runnerTestPrefix, waitUntil, type RunnerHandle } from '../helpers/runner.js';
import { blockAction, sendToBot } from '../helpers/slack-requests.js';
import { answered, auditOf, ran, settled, readyRunner, runOf, scenarioFor, waitAudit, walkWith } from './support.js';

const CHANNEL = 'CREPLAY01';
const prefix = runnerTestPrefix('replay');
let fake: FakeSlack;
let bot: BotHandle;
let redis: Redis;

beforeAll(async () => {
  redis = openRedis(TEST_REDIS_URL, 'security-replay');
  fake = await startFakeSlack();
  bot = await startBot({ prefix, slackApiUrl: fake.url });
}, 60_000);

afterAll(async () => {
  await cleanupBots();
  await cleanupRunners();
  await fake.close();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

const hashOf = (b: { value?: string }): string => (JSON.parse(b.value ?? '{}') as { h?: string }).h ?? '';
const STALE = /This button belongs to an older plan\. Use the buttons on the current plan\./;

describe('an approve button from somewhere else', () => {
  it("does nothing on another run: neither the other run's hash with this run's id nor the reverse", async () => {
    const a = scenarioFor('sfb2015-standard', 'se-rep-a.contoso.com');
    const b = scenarioFor('sfb2015-standard', 'se-rep-b.contoso.com');
    const runnerA = await readyRunner(redis, prefix, a);
    const runnerB = await readyRunner(redis, prefix, b);
    const planA = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario: a });
    const planB = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario: b });
    const hashA = hashOf(button(planA.parent, 'cspatch_approve'));
    const hashB = hashOf(button(planB.parent, 'cspatch_approve'));
    // The plan hash covers the run id: two runs of identical servers never share one.
    expect(hashA).not.toBe(hashB);

    const copied = { actionId: 'cspatch_approve', value: JSON.stringify({ r: planB.runId, h: hashA }) };
    await answered(fake, 'UADMIN2', STALE, () => bot.click('UADMIN2', CHANNEL, copied), "the refusal of A's approval on B");
    const reverse = { actionId: 'cspatch_approve', value: JSON.stringify({ r: planA.runId, h: hashB }) };
    await answered(fake, 'UADMIN3', STALE, () => bot.click('UADMIN3', CHANNEL, reverse), "the refusal of B's approval on A");

    for (const runId of [planA.runId, planB.runId]) {
      const run = await runOf(redis, prefix, runId);
      expect(run.status).toBe('awaiting_approval');
      expect(run.approval).toBeNull();
    }
    expect(ran(runnerA)).toEqual(['detect-facts', 'detect-facts']);
    expect(ran(runnerB)).toEqual(['detect-facts', 'detect-facts']);
    await settled(redis, prefix, planA.runId);
    await settled(redis, prefix, planB.runId);
    const refusals = (await auditOf(redis, prefix)).filter((e) => e.action === 'refused' && e.detail.reason === 'approval_stale');
    expect(refusals.map((e) => [e.actor, e.runId, e.planHash, e.detail.buttonPlanHash])).toEqual([
      ['UADMIN2', planB.runId, hashB, hashA],
      ['UADMIN3', planA.runId, hashA, hashB],
    ]);

    // An old message's button, after its run was decided, changes nothing either.
    await bot.click('UADMIN2', CHANNEL, button(planA.parent, 'cspatch_reject'));
    await waitReply(fake, CHANNEL, planA.parent.ts, /<@UADMIN2> rejected the plan/, 'the rejection of A');
    await answered(fake, 'UADMIN3', /This plan was already decided by <@UADMIN2>\./, () => bot.click('UADMIN3', CHANNEL, button(planA.parent, 'cspatch_approve')), 'the refusal of the old button');
    expect((await runOf(redis, prefix, planA.runId)).status).toBe('rejected');
    expect(ran(runnerA)).toEqual(['detect-facts', 'detect-facts']);
  }, 120_000);

  it('does nothing once the facts were confirmed again: the plan hash from before is stale, the new one approves', async () => {
    const scenario = scenarioFor('sfb2019-enterprise', 'fe-rep-c.contoso.com');
    const s = parseScenario(scenario);
    const runner = await readyRunner(redis, prefix, scenario);
    const { parent, runId } = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });
    const before = button(parent, 'cspatch_approve');

    // The requester reviews the facts again and changes one (acknowledging the difference).
    const opens = () => fake.calls.filter((c) => c.method === 'views.open' && c.response?.ok === true && JSON.stringify(c.body.view).includes(runId));
    expect(opens()).toHaveLength(1);
    await bot.click('UADMIN1', CHANNEL, button(parent, 'cspatch_confirm_open'));
    await fake.waitFor(() => opens().length === 2);
    const submitted = await bot.submit('UADMIN1', runId, confirmValues({ product: s.product, edition: s.edition, collocated: true, sql: s.sqlServerFqdn ?? '', packagePath: packagePathFor(scenario), ack: true }));
    expect(submitted.status).toBe(200);
    const replanned = await waitParent(fake, CHANNEL, s.server, (_t, m) => buttons(m.blocks).some((x) => x.actionId === 'cspatch_approve' && hashOf(x) !== hashOf(before)), 'the new plan');
    const after = button(replanned, 'cspatch_approve');
    expect((await runOf(redis, prefix, runId)).plan?.hash).toBe(hashOf(after));

    await answered(fake, 'UADMIN2', STALE, () => bot.click('UADMIN2', CHANNEL, before), 'the refusal of the replaced plan');
    expect((await runOf(redis, prefix, runId)).status).toBe('awaiting_approval');
    expect(ran(runner)).toEqual(['detect-facts', 'detect-facts']);

    await bot.click('UADMIN2', CHANNEL, after);
    await waitReply(fake, CHANNEL, parent.ts, /<@UADMIN2> approved the plan\. Starting\./, 'the approval of the current plan');
    const run = await runOf(redis, prefix, runId);
    expect(run.approval).toMatchObject({ by: 'UADMIN2', planHash: hashOf(after) });
    expect(run.confirmed?.collocatedStores).toBe(true);

    await settled(redis, prefix, runId);
    const trail = await auditOf(redis, prefix, runId);
    expect(trail.find((e) => e.action === 'plan_withdrawn')).toMatchObject({ actor: 'UADMIN1', planHash: hashOf(before) });
    expect(trail.filter((e) => e.action === 'plan').map((e) => e.planHash)).toEqual([hashOf(before), hashOf(after)]);
    expect(trail.find((e) => e.action === 'refused' && e.actor === 'UADMIN2')).toMatchObject({ planHash: hashOf(after), detail: { reason: 'approval_stale', buttonPlanHash: hashOf(before) } });
  }, 120_000);
});

describe('an approval that expired', () => {
  it('is refused as expired, and nothing runs', async () => {
    const shortPrefix = runnerTestPrefix('expiry');
    const channel = 'CEXPIRY01';
    let short: BotHandle | undefined;
    let runner: RunnerHandle | undefined;
    try {
      short = await startBot({ prefix: shortPrefix, slackApiUrl: fake.url, env: { CSPATCH_APPROVAL_TTL: '1' } });
      const scenario = scenarioFor('sfb2015-standard', 'se-rep-e.contoso.com');
      runner = await readyRunner(redis, shortPrefix, scenario);
      const { parent, runId } = await walkWith(short, fake, { channel, requester: 'UADMIN1', scenario, waitForPlan: false });
      await waitReply(fake, channel, parent.ts, /Nobody approved the plan in time/, 'the expiry', 30_000);
      // The approve button of the expired plan, as the parent showed it (perhaps only briefly).
      const approve = { actionId: 'cspatch_approve', value: JSON.stringify({ r: runId, h: (await runOf(redis, shortPrefix, runId)).plan?.hash }) };

      const bot2 = short;
      await answered(fake, 'UADMIN2', /This approval has expired\. Run the patch command again\./, () => bot2.click('UADMIN2', channel, approve), 'the expired refusal');
      const run = await runOf(redis, shortPrefix, runId);
      expect(run).toMatchObject({ status: 'expired', reason: 'approval_expired', approval: null });
      expect(ran(runner)).toEqual(['detect-facts', 'detect-facts']);
      await settled(redis, shortPrefix, runId);
      const trail = await auditOf(redis, shortPrefix, runId);
      expect(trail.find((e) => e.action === 'expired')).toBeDefined();
      expect(trail.find((e) => e.action === 'refused')).toMatchObject({ actor: 'UADMIN2', detail: { reason: 'approval_expired' } });
    } finally {
      await short?.stop();
      await runner?.stop();
      await cleanupPrefix(redis, shortPrefix);
    }
  }, 120_000);
});

describe('a click delivered again', () => {
  it('after the decision changes nothing: the same request is audited as a replay, a new click is told who decided, an old signature is refused', async () => {
    const scenario = scenarioFor('sfb2015-standard', 'se-rep-d.contoso.com');
    await readyRunner(redis, prefix, scenario);
    const { parent, runId } = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });
    const approve = button(parent, 'cspatch_approve');

    // One click, exactly as Slack would post it, kept with its signature timestamp.
    const body = blockAction({ userId: 'UADMIN2', channelId: CHANNEL, actionId: approve.actionId, value: approve.value ?? '', messageTs: parent.ts });
    const at = Math.floor(Date.now() / 1000);
    expect((await sendToBot(bot.baseUrl, body, { secret: SIGNING_SECRET, timestamp: at })).status).toBe(200);
    await waitReply(fake, CHANNEL, parent.ts, /<@UADMIN2> approved the plan\. Starting\./, 'the approval');

    expect((await sendToBot(bot.baseUrl, body, { secret: SIGNING_SECRET, timestamp: at })).status).toBe(200);
    const replay = await waitAudit(redis, prefix, (e) => e.runId === runId && e.action === 'refused' && e.detail.reason === 'replayed_click', 'the audited replay');
    expect(replay.actor).toBe('UADMIN2');

    await answered(fake, 'UADMIN3', /This plan was already decided by <@UADMIN2>\./, () => bot.click('UADMIN3', CHANNEL, approve), 'the refusal of a later click');
    // Slack's window is five minutes: the same click signed ten minutes ago does not get in at all.
    expect((await sendToBot(bot.baseUrl, body, { secret: SIGNING_SECRET, stale: true })).status).toBe(401);

    const run = await runOf(redis, prefix, runId);
    expect(run.approval?.by).toBe('UADMIN2');
    expect(run.decidedBy).toMatchObject({ by: 'UADMIN2', action: 'approved' });
    await settled(redis, prefix, runId);
    const trail = await auditOf(redis, prefix, runId);
    expect(trail.filter((e) => e.action === 'approved')).toHaveLength(1);
    expect(trail.filter((e) => e.action === 'click' && e.actor === 'UADMIN2')).toHaveLength(1);
    await waitUntil(() => replyTexts(fake, CHANNEL, parent.ts).some((t) => /Summary for/.test(t)), 'the run to finish', 90_000);
    expect(replyTexts(fake, CHANNEL, parent.ts).filter((t) => /approved the plan/.test(t))).toHaveLength(1);
  }, 150_000);
});
