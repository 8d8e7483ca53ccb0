/**
 * Benchmark (a): a signed `/cspatch status` request to its ack, through the full bot process,
 * against a bare Bolt app process answering the same command. Requests go one at a time and
 * alternate between the two (swapping which goes first every pair), so machine noise lands on both.
 *
 * After each bot request the benchmark waits for the bot's private answer to reach the fake Slack:
 * that work comes after the ack and would otherwise land on the next request, and, since the fake
 * Slack runs in this process, on the clock of whichever app is measured next.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { startFakeSlack } from '../test/helpers/fake-slack.js';
import { sendToBot, slashCommand } from '../test/helpers/slack-requests.js';
import { benchPrefix, cleanupPrefix, REDIS_URL, SIGNING_SECRET, BOT_TOKEN } from './bench-env.js';
import { startNode } from './child.js';
import { Closers } from './closers.js';
import { versus, type Figure } from './figures.js';
import { BENCH_DIST } from './paths.js';
import { startBenchBot } from './start-bot.js';
import { roundSummary, summarize } from './stats.js';

export const ACK_COMMAND = 'status';
const WARMUP = 50;
const REQUESTS = 2000;
const CHANNEL = 'CBENCHACK';

export async function benchAckLatency(): Promise<{ figures: Figure[]; details: Record<string, unknown> }> {
  const closers = new Closers();
  try {
    const prefix = benchPrefix('ack');
    closers.add(new Redis(REDIS_URL), 'redis', async (r) => {
      await cleanupPrefix(r, prefix);
      await r.quit();
    });
    const fake = closers.add(await startFakeSlack(), 'fake Slack', (f) => f.close());
    const bareEnv = { PATH: process.env.PATH ?? '', SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: fake.url };
    const bare = closers.add(startNode(join(BENCH_DIST, 'bare-bolt-app.js'), [], bareEnv), 'bare Bolt app', (b) => b.stop());
    const bot = closers.add(await startBenchBot({ prefix, slackApiUrl: fake.url }), 'bot', (b) => b.handle.stop());
    const bareUrl = `http://127.0.0.1:${(await bare.waitFor(/"port":(\d+)[^\n]*bare bolt app listening/, 'the bare Bolt app to listen'))[1]}`;
    const targets = { bot: bot.baseUrl, bare: bareUrl };
    const samples: Record<keyof typeof targets, number[]> = { bot: [], bare: [] };
    let ephemerals = 0;
    let cursor = 0;
    const countEphemerals = () => {
      for (; cursor < fake.calls.length; cursor++) if (fake.calls[cursor]?.method === 'chat.postEphemeral') ephemerals++;
      return ephemerals;
    };
    let botRequests = 0;
    const once = async (which: keyof typeof targets, keep: boolean) => {
      const body = slashCommand({ text: ACK_COMMAND, userId: 'UADMIN1', channelId: CHANNEL, responseUrl: fake.responseUrl() });
      const t0 = performance.now();
      const res = await sendToBot(targets[which], body, { secret: SIGNING_SECRET });
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`${which} answered ${res.status}: ${res.text.slice(0, 200)}`);
      if (keep) samples[which].push(ms);
      if (which === 'bot') {
        const expected = ++botRequests;
        await fake.waitFor(() => countEphemerals() >= expected, 10_000);
      }
    };
    for (let i = 0; i < WARMUP + REQUESTS; i++) {
      const order: Array<keyof typeof targets> = i % 2 === 0 ? ['bot', 'bare'] : ['bare', 'bot'];
      for (const which of order) await once(which, i >= WARMUP);
    }
    const botS = summarize(samples.bot);
    const bareS = summarize(samples.bare);
    const note = `${REQUESTS} signed requests each after ${WARMUP} warm-up, alternating, one at a time (the bot's answer settled in between); "/cspatch ${ACK_COMMAND}"`;
    return {
      figures: [
        versus('ack.median', '(a) ack latency, median', botS.median, bareS.median, 'ms', 1.2, note),
        versus('ack.p99', '(a) ack latency, p99', botS.p99, bareS.p99, 'ms', 1.2, note),
      ],
      details: { command: `/cspatch ${ACK_COMMAND}`, requestsEach: REQUESTS, warmupEach: WARMUP, bot: roundSummary(botS), bareBolt: roundSummary(bareS) },
    };
  } finally {
    await closers.closeAll();
  }
}
