/**
 * Only requests Slack signed reach the bot: a wrong, missing or stale (over five minutes)
 * signature, or a body changed after signing, is answered 401 and has no effect at all (nothing
 * posted, nothing started, no decision taken). Slash commands, button clicks and modal submissions.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { Run } from '../../bot/lifecycle/run.js';
import { parseScenario } from '../../sim/scenario.js';
import type { Stores } from '../../store/ports.js';
import { confirmValues, SIGNING_SECRET, type BotHandle } from '../helpers/bot.js';
import { type FakeSlack, type RecordedCall } from '../helpers/fake-slack.js';
import { button, ephemeralTexts, packagePathFor, scenarioOn, serverState, startRegisteredRunner, waitEphemeral, waitReply, walkToPlan, RUN_PATIENCE } from '../helpers/patch-driver.js';
import { useBotSuite } from '../helpers/bot-suite.js';
import { waitUntil } from '../helpers/runner.js';
import { blockAction, sendToBot, signSlackRequest, slashCommand, viewSubmission, type SendOptions } from '../helpers/slack-requests.js';

const CHANNEL = 'CSIGNED001';
const suite = useBotSuite('signatures');
const { prefix } = suite;
let fake: FakeSlack, bot: BotHandle, redis: Redis, stores: Stores;
beforeAll(() => void ({ fake, bot, redis, stores } = suite));

async function runOf(runId: string): Promise<Run> {
  const stored = await stores.runs.get<Run>(runId);
  if (!stored) throw new Error(`run ${runId} is not in Redis`);
  return stored.value;
}

const FORGERIES: ReadonlyArray<[string, Omit<SendOptions, 'secret'>]> = [
  ['a signature made with another secret', { badSignature: true }],
  ['no signature header', { noSignature: true }],
  ['a correct signature ten minutes old', { stale: true }],
  ['a correct signature six minutes old', { timestamp: Math.floor(Date.now() / 1000) - 360 }],
];

/** POSTs `signedBody`'s signature with `sentBody`: what an attacker who alters a captured request sends. */
async function sendAltered(signedBody: string, sentBody: string): Promise<number> {
  const headers = signSlackRequest(SIGNING_SECRET, signedBody, Math.floor(Date.now() / 1000));
  const res = await fetch(`${bot.baseUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: sentBody,
  });
  await res.text();
  return res.status;
}

/**
 * A valid request afterwards, answered privately; once its answer is there, every call the bot
 * made since `from` must be that answer's (the forged requests before it caused none).
 */
async function expectOnlyControlCalls(from: number, controlUser: string): Promise<void> {
  const before = ephemeralTexts(fake, controlUser).length;
  expect((await bot.command(controlUser, CHANNEL, 'help')).status).toBe(200);
  await waitUntil(() => ephemeralTexts(fake, controlUser).length > before, 'the control answer', 45_000);
  const since: RecordedCall[] = fake.calls.slice(from);
  const strangers = since.filter((c) => !(c.method === 'users.info' && c.body.user === controlUser) && !(c.method === 'chat.postEphemeral' && c.body.user === controlUser));
  expect(strangers.map((c) => c.method)).toEqual([]);
}

describe('signed requests', () => {
  it('answers 401 to slash commands with a bad, missing or stale signature or an altered body, and starts nothing', async () => {
    const scenario = scenarioOn('sfb2015-standard', 'se-sig1.contoso.com');
    const server = parseScenario(scenario).server;
    await startRegisteredRunner(redis, prefix, scenario);
    const from = fake.calls.length;
    const body = slashCommand({ text: `patch ${server} ${packagePathFor(scenario)}`, userId: 'UADMIN1', channelId: CHANNEL });

    for (const [label, opts] of FORGERIES) {
      const res = await sendToBot(bot.baseUrl, body, { secret: SIGNING_SECRET, ...opts });
      expect({ label, status: res.status }).toEqual({ label, status: 401 });
    }
    const harmless = slashCommand({ text: 'help', userId: 'UADMIN1', channelId: CHANNEL });
    expect(await sendAltered(harmless, body)).toBe(401);

    await expectOnlyControlCalls(from, 'UCONTROL1');
    expect(await serverState(redis, prefix, server)).toEqual({ lock: null, jobs: [] });
    expect(await stores.runs.listActive()).toEqual([]);
  }, 120_000);

  it('accepts a correct signature four minutes old (inside the five-minute window)', async () => {
    const before = ephemeralTexts(fake, 'UADMIN3').length;
    const res = await sendToBot(bot.baseUrl, slashCommand({ text: 'help', userId: 'UADMIN3', channelId: CHANNEL }), {
      secret: SIGNING_SECRET,
      timestamp: Math.floor(Date.now() / 1000) - 240,
    });
    expect(res.status).toBe(200);
    await waitUntil(() => ephemeralTexts(fake, 'UADMIN3').length > before, 'the answer to the signed command', 45_000);
  }, 60_000);

  it('answers 401 to forged approve clicks and a forged confirmation, and the plan stays undecided', async () => {
    const scenario = scenarioOn('sfb2019-standard', 'se-sig2.contoso.com');
    const server = parseScenario(scenario).server;
    const runner = await startRegisteredRunner(redis, prefix, scenario);
    const { parent, runId } = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });
    const approve = button(parent, 'cspatch_approve');
    const from = fake.calls.length;

    const click = blockAction({ userId: 'UADMIN2', channelId: CHANNEL, actionId: approve.actionId, value: approve.value ?? '', messageTs: parent.ts });
    for (const [label, opts] of FORGERIES) {
      const res = await sendToBot(bot.baseUrl, click, { secret: SIGNING_SECRET, ...opts });
      expect({ label, status: res.status }).toEqual({ label, status: 401 });
    }
    // The requester's own click, signed, altered to look like another admin's.
    const own = blockAction({ userId: 'UADMIN1', channelId: CHANNEL, actionId: approve.actionId, value: approve.value ?? '', messageTs: parent.ts });
    expect(await sendAltered(own, click)).toBe(401);
    const s = parseScenario(scenario);
    const submit = viewSubmission({
      userId: 'UADMIN1',
      callbackId: 'cspatch_confirm',
      privateMetadata: runId,
      values: confirmValues({ product: s.product, edition: s.edition, collocated: false, packagePath: 'C:\\Updates\\SkypeServerUpdateInstaller.exe' }),
    });
    for (const [label, opts] of FORGERIES) {
      const res = await sendToBot(bot.baseUrl, submit, { secret: SIGNING_SECRET, ...opts });
      expect({ label, status: res.status }).toEqual({ label, status: 401 });
    }

    await expectOnlyControlCalls(from, 'UCONTROL2');
    const run = await runOf(runId);
    expect(run.status).toBe('awaiting_approval');
    expect(run.approval).toBeNull();
    expect(run.plan?.hash).toBe((JSON.parse(approve.value ?? '{}') as { h?: string }).h);
    expect(runner.simLog().every((e) => e.stepId === 'detect-facts')).toBe(true);

    // The same click, properly signed, is what approves.
    await bot.click('UADMIN2', CHANNEL, approve);
    await waitReply(fake, CHANNEL, parent.ts, /<@UADMIN2> approved the plan/, 'the signed approval');
    await bot.click('UADMIN3', CHANNEL, approve);
    await waitEphemeral(fake, 'UADMIN3', /already decided by <@UADMIN2>/, 'the refusal of a second approval');
    await waitReply(fake, CHANNEL, parent.ts, /Summary for/, 'the summary', RUN_PATIENCE);
    await waitUntil(async () => (await serverState(redis, prefix, server)).lock === null, 'the lock to be released', 45_000);
  }, 300_000);
});
