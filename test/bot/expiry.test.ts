/**
 * An approval that nobody gives in time (CSPATCH_APPROVAL_TTL of one second): the thread says so,
 * the server is free again, a late click changes nothing, and the next patch of that server works.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { Run } from '../../bot/lifecycle/run.js';
import { parseScenario } from '../../sim/scenario.js';
import type { Stores } from '../../store/ports.js';
import { type BotHandle } from '../helpers/bot.js';
import { buttons, type FakeSlack } from '../helpers/fake-slack.js';
import { scenarioOn, serverState, startRegisteredRunner, waitEphemeral, waitParent, waitReply, walkToConfirmed } from '../helpers/patch-driver.js';
import { useBotSuite } from '../helpers/bot-suite.js';
import { waitUntil } from '../helpers/runner.js';

const CHANNEL = 'CEXPIRE01';
const suite = useBotSuite('expiry', { CSPATCH_APPROVAL_TTL: '1' });
const { prefix } = suite;
let fake: FakeSlack, bot: BotHandle, redis: Redis, stores: Stores;
beforeAll(() => void ({ fake, bot, redis, stores } = suite));

async function runOf(runId: string): Promise<Run> {
  const stored = await stores.runs.get<Run>(runId);
  if (!stored) throw new Error(`run ${runId} is not in Redis`);
  return stored.value;
}

describe('an approval that expires', () => {
  it('says so in the thread, releases the lock, refuses a later click, and lets a new patch of the server start', async () => {
    const scenario = scenarioOn('sfb2019-standard', 'se-expire1.contoso.com');
    const server = parseScenario(scenario).server;
    const runner = await startRegisteredRunner(redis, prefix, scenario);

    const first = await walkToConfirmed(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });
    await waitReply(fake, CHANNEL, first.parentTs, /The plan is ready/, 'the plan');
    await waitReply(fake, CHANNEL, first.parentTs, /Nobody approved the plan in time\. Nothing was changed on the server/, 'the expiry reply');
    const parent = await waitParent(fake, CHANNEL, server, (t) => t.includes('*Expired* (nobody approved the plan in time)'), 'the expired parent');
    expect(parent.ts).toBe(first.parentTs);
    expect(buttons(parent.blocks).filter((b) => b.actionId === 'cspatch_approve' || b.actionId === 'cspatch_reject')).toHaveLength(0);
    await waitUntil(async () => (await serverState(redis, prefix, server)).lock === null, 'the server lock to be released', 45_000);
    const expired = await runOf(first.runId);
    expect(expired.status).toBe('expired');
    expect(expired.approval).toBeNull();

    // The approve button as it was shown for this plan, clicked after the deadline.
    const approve = { actionId: 'cspatch_approve', value: JSON.stringify({ r: first.runId, h: expired.plan?.hash ?? '' }) };
    await bot.click('UADMIN2', CHANNEL, approve);
    await waitEphemeral(fake, 'UADMIN2', /This approval has expired\. Run the patch command again\./, 'the refusal of a late approval');
    expect((await runOf(first.runId)).status).toBe('expired');
    expect((await serverState(redis, prefix, server)).jobs.map((j) => j.stepId)).toEqual(['detect-facts']);
    expect(runner.simLog().every((e) => e.stepId === 'detect-facts')).toBe(true);

    // The server is free: a new patch starts, detects and reaches a plan of its own.
    const second = await walkToConfirmed(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });
    expect(second.runId).not.toBe(first.runId);
    expect(second.parentTs).not.toBe(first.parentTs);
    await waitReply(fake, CHANNEL, second.parentTs, /The plan is ready/, 'the new plan');
    const jobs = (await serverState(redis, prefix, server)).jobs;
    expect(jobs.filter((j) => j.runId === second.runId).map((j) => j.stepId)).toEqual(['detect-facts']);
    // It expires in turn, and again nothing but detection reached the server.
    await waitReply(fake, CHANNEL, second.parentTs, /Nobody approved the plan in time/, 'the second expiry');
    await waitUntil(async () => (await serverState(redis, prefix, server)).lock === null, 'the server lock to be released again', 45_000);
    expect(runner.simLog().every((e) => e.stepId === 'detect-facts')).toBe(true);
  }, 300_000);
});
