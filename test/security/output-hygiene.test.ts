/**
 * What a server prints reaches a shared channel only redacted (passwords, connection strings with
 * credentials, tokens), made inert (no @channel, no mention, no link) and cut to Block Kit's
 * limits: in the thread replies, in a failure, and in the "Full output" a user asks for.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { openRedis } from '../../store/redis/connection.js';
import { cleanupBots, startBot, type BotHandle } from '../helpers/bot.js';
import { blocksText, buttons, startFakeSlack, type FakeSlack, type StoredMessage } from '../helpers/fake-slack.js';
import { button, replies, waitReply, walkToPlan } from '../helpers/patch-driver.js';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { cleanupRunners, runnerTestPrefix, waitUntil } from '../helpers/runner.js';
import { auditOf, readyRunner, runOf, scenarioFor } from './support.js';

const CHANNEL = 'CHYGIENE1';
const prefix = runnerTestPrefix('hygiene');
let fake: FakeSlack;
let bot: BotHandle;
let redis: Redis;

beforeAll(async () => {
  redis = openRedis(TEST_REDIS_URL, 'security-hygiene');
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

const TOKEN = 'xoxb-123456789012-abcdefABCDEF0123';
/** Lots of output first (so only a cut version fits), then the lines that must not leak. */
const PRINTED = [
  ...Array.from({ length: 400 }, (_, i) => `filler ${String(i).padStart(3, '0')} ${'.'.repeat(190)}`),
  'Applying password=Secr3t',
  'Connecting with Server=sql01;User ID=sa;Password=p@ss;',
  `Using token ${TOKEN} for the webhook`,
  'share at https://svc-admin:Hunter2@files.contoso.com/updates',
  '<!channel> the server says hello',
  'ping <@U123ABC> and <!here> and <#C0GENERAL> <https://evil.example|click>',
];
const FAILURE = ['Login failed. Password=Wint3r!', '<!everyone> the reboot check failed'];
const LEAKS = ['Secr3t', 'p@ss', 'User ID=sa', TOKEN, 'abcdefABCDEF0123', 'Hunter2', 'Wint3r!', '<!channel>', '<!here>', '<!everyone>', '<@U123ABC>', '<#C0GENERAL>', '<https://evil'];

/** Everything that breaks a Block Kit limit in one message's blocks. */
function limitProblems(blocks: unknown): string[] {
  if (!Array.isArray(blocks)) return [];
  const out: string[] = [];
  if (blocks.length > 50) out.push(`${blocks.length} blocks`);
  for (const b of blocks as Array<Record<string, unknown>>) {
    const text = (b.text as { text?: string } | undefined)?.text ?? '';
    if (b.type === 'section' && text.length > 3000) out.push(`section of ${text.length}`);
    if (b.type === 'header' && text.length > 150) out.push(`header of ${text.length}`);
    if (b.type === 'context') for (const e of (b.elements as Array<{ text?: string }>) ?? []) if ((e.text ?? '').length > 2000) out.push('context element');
  }
  for (const btn of buttons(blocks)) {
    if (btn.text.length > 75) out.push(`button text ${btn.text}`);
    if ((btn.value ?? '').length > 2000) out.push('button value');
  }
  return out;
}

async function fullOutput(user: string, reply: StoredMessage): Promise<string> {
  const before = fake.ephemerals().filter((e) => e.user === user).length;
  await bot.click(user, CHANNEL, button(reply, 'cspatch_output'));
  const eph = await waitUntil(() => fake.ephemerals().filter((e) => e.user === user)[before], 'the full output');
  expect(limitProblems(eph.blocks)).toEqual([]);
  return blocksText(eph.blocks);
}

describe('server output on its way to Slack', () => {
  it('is redacted, neutralised and cut to size in the thread, in a failure and in the full output', async () => {
    const scenario = scenarioFor('sfb2015-standard', 'se-hyg1.contoso.com', {
      print: { 'check-admin-role': PRINTED },
      fail: { 'check-pending-reboot': { exitCode: 3, stderr: FAILURE.join('\n') } },
    });
    await readyRunner(redis, prefix, scenario);
    const { parent, runId } = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });
    await bot.click('UADMIN2', CHANNEL, button(parent, 'cspatch_approve'));
    const plan = (await runOf(redis, prefix, runId)).plan!;
    const failing = plan.steps.findIndex((s) => s.stepId === 'check-pending-reboot') + 1;

    const done = await waitReply(fake, CHANNEL, parent.ts, /Step 1\/\d+ done/, 'the first step', 60_000);
    const failed = await waitReply(fake, CHANNEL, parent.ts, new RegExp(`Step ${failing}/\\d+ failed`), 'the failed step', 60_000);
    await waitReply(fake, CHANNEL, parent.ts, new RegExp(`Step ${failing} \\(.*\\) did not succeed`), 'the failure gate');

    const doneText = blocksText(done.blocks);
    expect(doneText).toContain('password=[redacted]');
    expect(doneText).toContain('User ID=[redacted];Password=[redacted]');
    expect(doneText).toContain('xox?-[redacted]');
    expect(doneText).toContain('svc-admin:[redacted]@files.contoso.com');
    expect(doneText).toContain('&lt;!channel&gt; the server says hello');
    expect(doneText).toContain('ping &lt;@U123ABC&gt;');
    expect(blocksText(failed.blocks)).toContain('Password=[redacted]');
    expect(blocksText(failed.blocks)).toContain('&lt;!everyone&gt; the reboot check failed');

    const full = await fullOutput('UADMIN3', done);
    expect(full).toContain('password=[redacted]');
    expect(full).toContain('&lt;@U123ABC&gt;');
    expect(full).toContain('filler 399'); // the end of the output is kept, the start cut
    expect(full).not.toContain('filler 000');
    const fullFailed = await fullOutput('UNOTADMIN', failed);
    expect(fullFailed).toContain('Password=[redacted]');

    // Nothing that was posted, updated or sent privately carries a secret or a live mention.
    const sent = fake.calls
      .filter((c) => ['chat.postMessage', 'chat.update', 'chat.postEphemeral'].includes(c.method))
      .map((c) => `${blocksText(c.body.blocks)}\n${String(c.body.text ?? '')}`)
      .join('\n');
    for (const leak of LEAKS) expect(sent).not.toContain(leak);
    for (const c of fake.calls) expect(limitProblems(c.body.blocks)).toEqual([]);
    for (const m of replies(fake, CHANNEL, parent.ts)) expect(limitProblems(m.blocks)).toEqual([]);
    // The audit trail records what happened, not what the server printed.
    const trail = JSON.stringify(await auditOf(redis, prefix, runId));
    for (const leak of ['Secr3t', 'p@ss', TOKEN, 'Wint3r!']) expect(trail).not.toContain(leak);
  }, 120_000);
});
