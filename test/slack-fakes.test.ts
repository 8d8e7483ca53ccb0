import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { App, LogLevel, verifySlackRequest, webApi } from '@slack/bolt';
import { blocksText, buttons, peakChatRate, startFakeSlack, type FakeSlack, type FakeSlackOptions, type RecordedCall } from './helpers/fake-slack.js';
import { blockAction, sendToBot, signSlackRequest, slashCommand, viewSubmission } from './helpers/slack-requests.js';

const { WebClient, ErrorCode, WebClientEvent } = webApi;

const opened: FakeSlack[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((f) => f.close()));
});

async function fakeSlack(opts?: FakeSlackOptions): Promise<FakeSlack> {
  const fake = await startFakeSlack(opts);
  opened.push(fake);
  return fake;
}

function client(fake: FakeSlack, extra: webApi.WebClientOptions = {}, token = 'xoxb-test'): webApi.WebClient {
  return new WebClient(token, { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR, ...extra });
}

const planBlocks = [
  { type: 'header', text: { type: 'plain_text', text: 'Patch plan' } },
  { type: 'section', text: { type: 'mrkdwn', text: '*pool01.contoso.local*: 2 servers' }, fields: [{ type: 'mrkdwn', text: '*Update*: CU14' }] },
  {
    type: 'actions',
    block_id: 'plan_actions',
    elements: [
      { type: 'button', action_id: 'approve', text: { type: 'plain_text', text: 'Approve' }, value: 'plan:1', style: 'primary' },
      { type: 'button', action_id: 'cancel', text: { type: 'plain_text', text: 'Cancel' }, value: 'plan:1', style: 'danger' },
    ],
  },
  { type: 'context', elements: [{ type: 'mrkdwn', text: 'requested by <@U1>' }] },
];

describe('fake Slack Web API, driven by the real WebClient', () => {
  it('stores postMessage with decoded blocks and applies chat.update', async () => {
    const fake = await fakeSlack();
    const web = client(fake);

    const first = await web.chat.postMessage({ channel: 'C1', text: 'Patch plan', blocks: planBlocks });
    const second = await web.chat.postMessage({ channel: 'C1', text: 'second' });
    expect(first).toMatchObject({ ok: true, channel: 'C1', ts: '1700000000.000100' });
    expect(Number(second.ts)).toBeGreaterThan(Number(first.ts));

    const call = await fake.waitForCall('chat.postMessage');
    expect(call).toMatchObject({ method: 'chat.postMessage', channel: 'C1', token: 'xoxb-test', body: { text: 'Patch plan' } });
    expect(call.body.blocks).toEqual(planBlocks);

    await web.chat.update({ channel: 'C1', ts: first.ts ?? '', text: 'Approved', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Approved by <@U1>' } }] });
    const [edited, untouched] = fake.messages('C1');
    expect(edited).toMatchObject({ ts: first.ts, text: 'Approved', updates: 1 });
    expect(blocksText(edited?.blocks)).toBe('Approved by <@U1>');
    expect(untouched).toMatchObject({ ts: second.ts, text: 'second', updates: 0 });

    await expect(web.chat.update({ channel: 'C1', ts: '1.000000', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.PlatformError,
      data: { error: 'message_not_found' },
    });
  });

  it('flattens Block Kit into text and lists buttons', () => {
    expect(blocksText(planBlocks)).toBe(
      ['Patch plan', '*pool01.contoso.local*: 2 servers', '*Update*: CU14', '[Approve] (plan:1) [Cancel] (plan:1)', 'requested by <@U1>'].join('\n'),
    );
    expect(buttons({ blocks: planBlocks })).toEqual([
      { actionId: 'approve', value: 'plan:1', text: 'Approve', style: 'primary', blockId: 'plan_actions', url: undefined },
      { actionId: 'cancel', value: 'plan:1', text: 'Cancel', style: 'danger', blockId: 'plan_actions', url: undefined },
    ]);
    const richText = [
      {
        type: 'rich_text',
        elements: [
          { type: 'rich_text_section', elements: [{ type: 'text', text: 'Step ' }, { type: 'emoji', name: 'white_check_mark' }, { type: 'user', user_id: 'U2' }] },
          { type: 'rich_text_list', style: 'ordered', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: 'stop pool' }] }] },
        ],
      },
      { type: 'divider' },
      { type: 'section', text: { type: 'mrkdwn', text: 'Retry?' }, accessory: { type: 'button', action_id: 'retry', text: { type: 'plain_text', text: 'Retry' } } },
    ];
    expect(blocksText(richText)).toBe('Step :white_check_mark:<@U2>\n1. stop pool\n---\nRetry?\n[Retry]');
    expect(buttons(richText).map((b) => b.actionId)).toEqual(['retry']);
  });

  it('surfaces a 429 with Retry-After as a rate-limit error when retries are 0', async () => {
    const fake = await fakeSlack();
    const web = client(fake);
    const announced: number[] = [];
    web.on(WebClientEvent.RATE_LIMITED, (seconds: number) => announced.push(seconds));

    fake.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    await expect(web.chat.postMessage({ channel: 'C1', text: 'x' })).rejects.toThrow(/rate limit was exceeded.*retry-after: 1/);
    expect(announced).toEqual([1]);

    fake.failNext('chat.update', { status: 429, retryAfter: 7 });
    const strict = client(fake, { rejectRateLimitedCalls: true });
    await expect(strict.chat.update({ channel: 'C1', ts: '1.0', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.RateLimitedError,
      retryAfter: 7,
    });

    // The fault is used up: the next call goes through.
    await expect(web.chat.postMessage({ channel: 'C1', text: 'y' })).resolves.toMatchObject({ ok: true });
    expect(fake.calls.map((c) => [c.method, c.fault ? 'fault' : c.response?.ok])).toEqual([
      ['chat.postMessage', 'fault'],
      ['chat.update', 'fault'],
      ['chat.postMessage', true],
    ]);
    expect(fake.messages('C1').map((m) => m.text)).toEqual(['y']);
  });

  it('injects HTTP 500 and platform errors for the next N calls', async () => {
    const fake = await fakeSlack();
    const web = client(fake);
    fake.failNext('chat.postMessage', { status: 500 });
    fake.failNext('chat.postMessage', { error: 'ratelimited' }, 2);

    await expect(web.chat.postMessage({ channel: 'C1', text: 'a' })).rejects.toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
    for (let i = 0; i < 2; i++) {
      await expect(web.chat.postMessage({ channel: 'C1', text: 'b' })).rejects.toMatchObject({ data: { error: 'ratelimited' } });
    }
    await expect(web.chat.postMessage({ channel: 'C1', text: 'c' })).resolves.toMatchObject({ ok: true });
  });

  it('keeps a hung request open until close(), which ends it', async () => {
    const fake = await fakeSlack();
    const web = client(fake);
    fake.failNext('views.open', { hang: true });

    const pending = web.views.open({ trigger_id: 't1', view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] } });
    const outcome = pending.then(
      () => 'resolved',
      (err: { code?: string }) => err.code,
    );
    await fake.waitForCall('views.open');
    await fake.close();
    expect(await outcome).toBe(ErrorCode.RequestError);
  });

  it('answers users.info with the configured locale only when include_locale is asked', async () => {
    const fake = await fakeSlack();
    fake.setUser('U2', { locale: 'de-DE', tz: 'Europe/Berlin', realName: 'Jana Schmidt' });
    const web = client(fake);

    const withLocale = await web.users.info({ user: 'U2', include_locale: true });
    expect(withLocale.user).toMatchObject({ id: 'U2', locale: 'de-DE', tz: 'Europe/Berlin', real_name: 'Jana Schmidt' });
    expect([3600, 7200]).toContain(withLocale.user?.tz_offset);

    const plain = await web.users.info({ user: 'U2' });
    expect(plain.user?.locale).toBeUndefined();
    await expect(web.users.info({ user: 'U404' })).rejects.toMatchObject({ data: { error: 'user_not_found' } });
  });

  it('lists usergroup members', async () => {
    const fake = await fakeSlack({ groups: { S0PATCHERS: ['U1', 'U2'] } });
    const web = client(fake);
    await expect(web.usergroups.users.list({ usergroup: 'S0PATCHERS' })).resolves.toMatchObject({ users: ['U1', 'U2'] });
    fake.setGroup('S0PATCHERS', ['U3']);
    await expect(web.usergroups.users.list({ usergroup: 'S0PATCHERS' })).resolves.toMatchObject({ users: ['U3'] });
    await expect(web.usergroups.users.list({ usergroup: 'S404' })).rejects.toMatchObject({ data: { error: 'no_such_subteam' } });
  });

  it('implements auth.test, ephemerals, views, conversations.info and unknown methods', async () => {
    const fake = await fakeSlack({ botUserId: 'U0BOT', channels: { C1: { name: 'lync-patching' } } });
    const web = client(fake);

    await expect(web.auth.test()).resolves.toMatchObject({ ok: true, user_id: 'U0BOT' });
    const eph = await web.chat.postEphemeral({ channel: 'C1', user: 'U2', text: 'only you' });
    expect(eph.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(fake.ephemerals('C1')).toMatchObject([{ user: 'U2', text: 'only you' }]);

    const modal = { type: 'modal' as const, callback_id: 'schedule_patch', title: { type: 'plain_text' as const, text: 'Schedule' }, blocks: [] };
    const openedView = await web.views.open({ trigger_id: 't1', view: modal });
    await expect(web.views.open({ trigger_id: 't1', view: modal })).rejects.toMatchObject({ data: { error: 'trigger_exchanged' } });
    const id = openedView.view?.id ?? '';
    await web.views.update({ view_id: id, hash: openedView.view?.hash, view: { ...modal, private_metadata: 'v2' } });
    await expect(web.views.update({ view_id: id, hash: openedView.view?.hash, view: modal })).rejects.toMatchObject({
      data: { error: 'hash_conflict' },
    });
    expect(fake.views()).toMatchObject([{ id, version: 2, view: { callback_id: 'schedule_patch', private_metadata: 'v2' } }]);

    await expect(web.conversations.info({ channel: 'C1' })).resolves.toMatchObject({ channel: { id: 'C1', name: 'lync-patching', is_private: false } });
    await expect(web.conversations.info({ channel: 'C404' })).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    await expect(web.apiCall('cspatch.nope')).rejects.toMatchObject({ data: { error: 'unknown_method' } });
  });

  it('checks the bearer token and parses JSON bodies', async () => {
    const fake = await fakeSlack({ token: 'xoxb-test' });
    await expect(client(fake, {}, 'xoxb-other').auth.test()).rejects.toMatchObject({ data: { error: 'invalid_auth' } });

    const anonymous = await fetch(`${fake.url}auth.test`, { method: 'POST' });
    expect(await anonymous.json()).toEqual({ ok: false, error: 'not_authed' });

    const json = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-test', 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C9', text: 'hi', blocks: planBlocks }),
    });
    expect(await json.json()).toMatchObject({ ok: true, channel: 'C9' });
    expect(fake.calls.map((c) => c.token)).toEqual(['xoxb-other', undefined, 'xoxb-test']);
    expect(fake.calls[2]?.body).toEqual({ channel: 'C9', text: 'hi', blocks: planBlocks });
  });

  it('waitFor rejects with the calls so far when the condition never holds', async () => {
    const fake = await fakeSlack();
    await client(fake).chat.postMessage({ channel: 'C1', text: 'hello' });
    await expect(fake.waitFor(() => false, 50)).rejects.toThrow(/1 calls so far:\n\s+1\. \+0ms chat\.postMessage C1 ok text="hello"/);
    expect(fake.callsPerSecondByChannel()).toBe(1);
  });
});

describe('peakChatRate', () => {
  const call = (method: string, channel: string, at: number): RecordedCall => ({ method, channel, at, body: {} });

  it('counts message writes per channel in any 1-second window', () => {
    const calls = [
      call('chat.postMessage', 'C1', 0),
      call('chat.update', 'C1', 1000),
      call('chat.update', 'C1', 2000),
      call('chat.postMessage', 'C2', 5000),
      call('users.info', 'C2', 5001),
      call('chat.postEphemeral', 'C2', 5002),
      call('chat.update', 'C2', 5100),
      call('chat.update', 'C2', 5999),
      call('chat.update', 'C2', 6000),
    ];
    expect(peakChatRate(calls.slice(0, 3))).toBe(1);
    expect(peakChatRate(calls)).toBe(3);
  });
});

describe('signed requests', () => {
  // Slack's own worked example from "Verifying requests from Slack".
  const secret = '8f742231b10e8888abcd99yyyzzz85a5';
  const timestamp = 1531420618;
  const body =
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
    '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com' +
    '%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';

  it('matches the known-answer vector and an independent HMAC', () => {
    const headers = signSlackRequest(secret, body, timestamp);
    const independent = `v0=${createHmac('sha256', secret).update(['v0', String(timestamp), body].join(':')).digest('hex')}`;
    expect(headers).toEqual({
      'x-slack-request-timestamp': '1531420618',
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    });
    expect(headers['x-slack-signature']).toBe(independent);
  });

  it("passes Bolt's verifySlackRequest; a bad or stale signature fails it", () => {
    const verify = (sig: string, ts: number, nowSeconds: number): void =>
      verifySlackRequest({
        signingSecret: secret,
        body,
        headers: { 'x-slack-signature': sig, 'x-slack-request-timestamp': ts },
        nowMilliseconds: nowSeconds * 1000,
      });
    const good = signSlackRequest(secret, body, timestamp)['x-slack-signature'];
    const bad = signSlackRequest(`${secret}x`, body, timestamp)['x-slack-signature'];

    expect(() => verify(good, timestamp, timestamp + 60)).not.toThrow();
    expect(() => verify(bad, timestamp, timestamp + 60)).toThrow(/signature mismatch/);
    expect(() => verify(good, timestamp, timestamp + 301)).toThrow(/stale/);
  });

  it('drives a Bolt HTTP receiver: rejects forged requests, routes commands, clicks and submissions', async () => {
    const signingSecret = 'test-signing-secret';
    const fake = await fakeSlack();
    const app = new App({
      signingSecret,
      token: 'xoxb-test',
      tokenVerificationEnabled: false,
      botId: 'B07BOT0CSP',
      botUserId: 'U07BOT0CSP',
      logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
    });
    app.command('/cspatch', async ({ ack, command, client: web, context }) => {
      await ack();
      const retry = `${context.retryNum ?? 0}/${context.retryReason ?? ''}`;
      await web.chat.postMessage({ channel: command.channel_id, text: `${command.text} by ${command.user_id} retry ${retry}`, blocks: planBlocks });
    });
    app.action('approve', async ({ ack, body, action, client: web }) => {
      await ack();
      if (body.type !== 'block_actions' || action.type !== 'button') return;
      await web.chat.update({ channel: body.container.channel_id, ts: body.container.message_ts, text: `approved ${action.value} by ${body.user.id}` });
    });
    app.view('schedule_patch', async ({ ack, view }) => {
      const choice = view.state.values.window?.choice?.selected_option?.value;
      await ack({ response_action: 'errors', errors: { window: `got ${choice} for ${view.private_metadata}` } });
    });
    const server = await app.start(0);
    try {
      const botUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const command = slashCommand({ text: 'plan pool01', userId: 'U1', channelId: 'C1' });

      for (const forged of [{ badSignature: true }, { stale: true }, { noSignature: true }]) {
        expect((await sendToBot(botUrl, command, { secret: signingSecret, ...forged })).status).toBe(401);
      }
      expect(fake.calls).toEqual([]);

      const accepted = await sendToBot(botUrl, command, { secret: signingSecret, retryNum: 1, retryReason: 'http_timeout' });
      expect(accepted.status).toBe(200);
      const post = await fake.waitForCall('chat.postMessage');
      expect(post.body.text).toBe('plan pool01 by U1 retry 1/http_timeout');

      const [message] = fake.messages('C1');
      const approve = buttons(message?.blocks).find((b) => b.actionId === 'approve');
      const click = blockAction({ userId: 'U1', channelId: 'C1', messageTs: message?.ts, ...approve, actionId: 'approve' });
      expect((await sendToBot(botUrl, click, { secret: signingSecret })).status).toBe(200);
      await fake.waitForCall('chat.update');
      expect(fake.messages('C1')[0]?.text).toBe('approved plan:1 by U1');

      const submit = viewSubmission({
        userId: 'U1',
        callbackId: 'schedule_patch',
        privateMetadata: 'plan:1',
        values: { window: { choice: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Tonight' }, value: 'tonight' } } } },
      });
      const submitted = await sendToBot(botUrl, submit, { secret: signingSecret });
      expect(submitted).toMatchObject({ status: 200, json: { response_action: 'errors', errors: { window: 'got tonight for plan:1' } } });
    } finally {
      await app.stop();
    }
  });
});
