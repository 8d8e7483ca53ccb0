/**
 * Slack accepts about one message a second per channel. The bot paces its writes per channel,
 * across replicas, through Redis: the same patch that bursts when unpaced stays within the budget.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { parseScenario } from '../../sim/scenario.js';
import { cleanupBots, startBot } from '../helpers/bot.js';
import { peakChatRate, startFakeSlack, type FakeSlack, type RecordedCall } from '../helpers/fake-slack.js';
import { button, waitReply, walkToPlan } from '../helpers/patch-driver.js';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { cleanupRunners, loadScenarioFixture, runnerTestPrefix, startRunner, waitUntil } from '../helpers/runner.js';

const RATE = 2;
const BURST = 2;
let redis: Redis;
const prefixes: string[] = [];

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL);
});

afterAll(async () => {
  await cleanupBots();
  await cleanupRunners();
  for (const p of prefixes) await cleanupPrefix(redis, p);
  await redis.quit();
});

/** One whole patch in its own channel; returns the chat writes made to that channel. */
async function patchOnce(label: string, env: Record<string, string>): Promise<RecordedCall[]> {
  const prefix = runnerTestPrefix(label);
  prefixes.push(prefix);
  const fake: FakeSlack = await startFakeSlack();
  try {
    const bot = await startBot({ prefix, slackApiUrl: fake.url, env });
    const scenario = { ...loadScenarioFixture('sfb2019-standard'), server: `${label}.contoso.com` };
    const s = parseScenario(scenario);
    startRunner({ server: s.server, prefix, scenario });
    await waitUntil(async () => (await redis.zscore(`${prefix}:runners`, s.server)) !== null, 'the runner to register');
    const channel = `C${label.toUpperCase()}`;
    const { parent } = await walkToPlan(bot, fake, { channel, requester: 'UADMIN1', scenario });
    await bot.click('UADMIN2', channel, button(parent, 'cspatch_approve'));
    await waitReply(fake, channel, parent.ts, /Summary for/, 'the summary', 120_000);
    return fake.calls.filter((c) => c.channel === channel && (c.method === 'chat.postMessage' || c.method === 'chat.update'));
  } finally {
    await fake.close();
  }
}

describe('per-channel pacing', () => {
  it('keeps a patch within the channel budget, where the same patch unpaced bursts past it', async () => {
    const unpaced = await patchOnce('unpaced', {});
    const paced = await patchOnce('paced', { CSPATCH_CHANNEL_RATE: String(RATE), CSPATCH_CHANNEL_BURST: String(BURST) });
    // The same messages went out either way: pacing delays, it never drops.
    expect(paced.filter((c) => c.method === 'chat.postMessage').length).toBe(unpaced.filter((c) => c.method === 'chat.postMessage').length);
    // Writes are timed where the fake receives them, so allow one for delivery jitter.
    expect(peakChatRate(unpaced, 1000)).toBeGreaterThan(BURST + RATE + 1);
    expect(peakChatRate(paced, 1000)).toBeLessThanOrEqual(BURST + RATE + 1);
    expect(peakChatRate(paced, 5000)).toBeLessThanOrEqual(BURST + 5 * RATE + 1);
  }, 240_000);
});
