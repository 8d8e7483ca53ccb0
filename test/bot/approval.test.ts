/**
 * The approval gate, end to end: who may approve, the two-person rule, two admins clicking at the
 * same moment, a button from an older plan, and a rejection. Real bot and runner processes on the
 * real Redis; Slack faked at its HTTP edge.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { Run } from '../../bot/lifecycle/run.js';
import { parseScenario } from '../../sim/scenario.js';
import type { Stores } from '../../store/ports.js';
import { confirmValues, type BotHandle } from '../helpers/bot.js';
import { blocksText, buttons, type FakeSlack } from '../helpers/fake-slack.js';
import {
  button,
  ephemeralTexts,
  packagePathFor,
  replyTexts,
  scenarioOn,
  serverState,
  startRegisteredRunner,
  waitEphemeral,
  waitParent,
  waitReply,
  walkToPlan,
  RUN_PATIENCE,
} from '../helpers/patch-driver.js';
import { useBotSuite } from '../helpers/bot-suite.js';
import { waitUntil } from '../helpers/runner.js';

const CHANNEL = 'CAPPROVE01';
const suite = useBotSuite('approval');
const { prefix } = suite;
let fake: FakeSlack, bot: BotHandle, redis: Redis, stores: Stores;
beforeAll(() => void ({ fake, bot, redis, stores } = suite));

async function runOf(runId: string): Promise<Run> {
  const stored = await stores.runs.get<Run>(runId);
  if (!stored) throw new Error(`run ${runId} is not in Redis`);
  return stored.value;
}

const DATE = /<!date\^(\d+)\^\{date_short_pretty\} \{time\}\|[^>]+>/;

describe('approving a plan', () => {
  it('refuses a non-admin and the requester; of two admins clicking at once exactly one approves, and the buttons become who decided and when', async () => {
    const scenario = scenarioOn('sfb2015-standard', 'se-appr1.contoso.com');
    const server = parseScenario(scenario).server;
    const runner = await startRegisteredRunner(redis, prefix, scenario);
    const { parent, runId } = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });
    const approve = button(parent, 'cspatch_approve');

    await bot.click('UNOTADMIN', CHANNEL, approve);
    await waitEphemeral(fake, 'UNOTADMIN', /Only cspatch admins can do that/, "the non-admin's refusal");
    await bot.click('UADMIN1', CHANNEL, approve);
    await waitEphemeral(fake, 'UADMIN1', /You requested this patch, so another admin must approve it/, "the requester's refusal");
    expect((await runOf(runId)).status).toBe('awaiting_approval');
    expect((await serverState(redis, prefix, server)).jobs.map((j) => j.stepId)).toEqual(['detect-facts']);

    // Both admins click in the same instant: the first valid decision wins, the other is told.
    const [a, b] = await Promise.all([bot.click('UADMIN2', CHANNEL, approve), bot.click('UADMIN3', CHANNEL, approve)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const approved = await waitReply(fake, CHANNEL, parent.ts, /approved the plan\. Starting\./, 'the approved reply');
    const winner = /<@(UADMIN[23])> approved/.exec(blocksText(approved.blocks))?.[1] ?? '';
    const loser = winner === 'UADMIN2' ? 'UADMIN3' : 'UADMIN2';
    expect(winner).toMatch(/^UADMIN[23]$/);
    await waitEphemeral(fake, loser, new RegExp(`already decided by <@${winner}>`), "the other admin's 'already decided'");

    // The buttons are replaced by who decided and when; the time is the decision's own.
    const decided = await waitParent(fake, CHANNEL, server, (t, m) => t.includes(`Approved by <@${winner}>`) && !buttons(m.blocks).some((x) => x.actionId === 'cspatch_approve' || x.actionId === 'cspatch_reject'), 'the decided parent');
    const stamp = DATE.exec(blocksText(decided.blocks).split('\n').find((l) => l.includes('Approved by')) ?? '');
    expect(stamp).not.toBeNull();
    const decision = (await runOf(runId)).decidedBy;
    expect(decision?.by).toBe(winner);
    expect(Number(stamp?.[1])).toBe(Math.floor((decision?.at ?? 0) / 1000));

    await waitReply(fake, CHANNEL, parent.ts, /Summary for/, 'the summary', RUN_PATIENCE);
    expect(replyTexts(fake, CHANNEL, parent.ts).filter((t) => /approved the plan/.test(t))).toHaveLength(1);
    expect(ephemeralTexts(fake, winner).some((t) => /already decided/.test(t))).toBe(false);
    // One plan ran once: each step of it exactly once on the server.
    const ran = runner.simLog().map((e) => e.stepId);
    expect(ran.filter((s) => s === 'install-update')).toHaveLength(1);
    expect(ran.filter((s) => s === 'verify')).toHaveLength(1);
  }, 300_000);

  it('refuses an approve button carrying an older plan hash after the facts were confirmed again, and accepts the current one', async () => {
    const scenario = scenarioOn('sfb2019-enterprise', 'fe-appr2.contoso.com');
    const s = parseScenario(scenario);
    const runner = await startRegisteredRunner(redis, prefix, scenario);
    const { parent, runId } = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });
    const older = button(parent, 'cspatch_approve');
    const olderHash = (JSON.parse(older.value ?? '{}') as { h?: string }).h ?? '';
    expect((await runOf(runId)).plan?.hash).toBe(olderHash);

    // The requester confirms again, now with collocated stores: a new plan replaces the old one.
    const opened = fake.calls.filter((c) => c.method === 'views.open').length;
    await bot.click('UADMIN1', CHANNEL, button(parent, 'cspatch_confirm_open'));
    await fake.waitFor((calls) => calls.filter((c) => c.method === 'views.open').length > opened);
    const submitted = await bot.submit('UADMIN1', runId, confirmValues({ product: s.product, edition: s.edition, collocated: true, sql: s.sqlServerFqdn ?? '', packagePath: packagePathFor(scenario), ack: true }));
    expect(submitted.status).toBe(200);
    const replaced = await waitParent(fake, CHANNEL, s.server, (t, m) => t.includes('-ExcludeCollocatedStores') && buttons(m.blocks).some((b) => b.actionId === 'cspatch_approve'), 'the new plan');
    const current = button(replaced, 'cspatch_approve');
    const currentHash = (JSON.parse(current.value ?? '{}') as { h?: string }).h ?? '';
    expect(currentHash).not.toBe(olderHash);
    expect((await runOf(runId)).plan?.hash).toBe(currentHash);

    await bot.click('UADMIN2', CHANNEL, older);
    await waitEphemeral(fake, 'UADMIN2', /belongs to an older plan/, 'the stale-plan refusal');
    expect((await runOf(runId)).status).toBe('awaiting_approval');
    expect((await serverState(redis, prefix, s.server)).jobs.map((j) => j.stepId)).toEqual(['detect-facts']);

    await bot.click('UADMIN2', CHANNEL, current);
    await waitReply(fake, CHANNEL, parent.ts, /<@UADMIN2> approved the plan/, 'the approval of the current plan');
    await waitReply(fake, CHANNEL, parent.ts, /Summary for/, 'the summary', RUN_PATIENCE);
    expect((await runOf(runId)).approval?.planHash).toBe(currentHash);
    // What ran is the plan that was approved: the collocated database variant.
    const db = runner.simLog().find((e) => e.stepId === 'update-databases')?.script ?? '';
    expect(db).toContain('-ExcludeCollocatedStores');
  }, 300_000);
});

describe('rejecting a plan', () => {
  it('says so in the thread, runs nothing on the server, frees the server and refuses later clicks', async () => {
    const scenario = scenarioOn('lync2013-standard', 'se-reject1.contoso.com');
    const server = parseScenario(scenario).server;
    const runner = await startRegisteredRunner(redis, prefix, scenario);
    const { parent, runId } = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });

    await bot.click('UNOTADMIN', CHANNEL, button(parent, 'cspatch_reject'));
    await waitEphemeral(fake, 'UNOTADMIN', /Only cspatch admins can do that/, "the non-admin's refusal to reject");
    expect((await runOf(runId)).status).toBe('awaiting_approval');

    await bot.click('UADMIN2', CHANNEL, button(parent, 'cspatch_reject'));
    await waitReply(fake, CHANNEL, parent.ts, /<@UADMIN2> rejected the plan\. Nothing was changed on the server\./, 'the rejection reply');
    const final = await waitParent(fake, CHANNEL, server, (t) => t.includes('*Rejected* (the plan was rejected)') && t.includes('Rejected by <@UADMIN2>'), 'the rejected parent');
    expect(buttons(final.blocks).filter((b) => b.actionId === 'cspatch_approve' || b.actionId === 'cspatch_reject')).toHaveLength(0);
    expect(blocksText(final.blocks)).toMatch(DATE);

    await waitUntil(async () => (await serverState(redis, prefix, server)).lock === null, 'the server lock to be released', 45_000);
    expect((await runOf(runId)).status).toBe('rejected');
    // Nothing but fact detection ever reached the server (the runner's own at start, and the run's).
    expect((await serverState(redis, prefix, server)).jobs.map((j) => j.stepId)).toEqual(['detect-facts']);
    expect(runner.simLog().map((e) => e.stepId)).toEqual(['detect-facts', 'detect-facts']);

    await bot.click('UADMIN3', CHANNEL, button(parent, 'cspatch_approve'));
    await waitEphemeral(fake, 'UADMIN3', /already decided by <@UADMIN2>/, 'the refusal of an approval after the rejection');
    expect((await runOf(runId)).status).toBe('rejected');
    expect(runner.simLog().map((e) => e.stepId)).toEqual(['detect-facts', 'detect-facts']);
  }, 300_000);
});
