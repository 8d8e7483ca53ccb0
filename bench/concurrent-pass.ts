/**
 * One pass of benchmark (c): a fresh bot process, fake Slack, Redis prefix and agents process;
 * RUNS runs on RUNS simulated servers, spread over `channels` channels, all started at once and
 * driven to their summaries. Measured at the edges: the fake Slack counts the Web API calls,
 * /proc gives the bot's memory and CPU.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { peakChatRate, startFakeSlack, type RecordedCall } from '../test/helpers/fake-slack.js';
import { confirmedFactsFor } from '../test/helpers/runner.js';
import { benchPrefix, cleanupPrefix, MASTER_SECRET, REDIS_URL, sleep } from './bench-env.js';
import { startNode } from './child.js';
import { Closers } from './closers.js';
import { byThread, countBy, editGaps } from './chat-metrics.js';
import { driveRun, type DriveContext } from './drive-run.js';
import { BENCH_DIST } from './paths.js';
import { sampleProcess, type ProcSample } from './proc-sampler.js';
import { loadScenario } from './scenario-fixture.js';
import { writeSimStandin } from './sim-standin.js';
import { indexSlack } from './slack-index.js';
import { startBenchBot } from './start-bot.js';

export const RUNS = 200;
/** Enterprise Edition: the simulator's answers then name the pool and SQL server, never the server itself. */
const SCENARIO = 'sfb2015-enterprise';
/** the longest any one wait of a run may take; the whole pass is bounded by the waits in a row */
const WAIT_MS = 120_000;
/** No new Slack call for this long after the last summary: the coalesced parent updates are done. */
const QUIET_MS = 4000;

export interface PassResult {
  readonly channels: number;
  readonly wallSeconds: number;
  readonly runSeconds: { median: number; max: number };
  readonly bot: ProcSample;
  /** the bot's RSS after start-up, before the first run, in MB */
  readonly botIdleRssMb: number;
  /** the process hosting the 200 agents, for reading the wall time */
  readonly agents: ProcSample;
  readonly calls: number;
  readonly callsByMethod: Record<string, number>;
  /** most chat.postMessage + chat.update calls to one channel inside any 1 s window */
  readonly peakPerChannelPerSecond: number;
  /** the same over 10 s windows, divided by 10: the sustained rate */
  readonly sustainedPerChannelPerSecond: number;
  /** most chat writes of a single run (its parent, its edits and its thread) inside any 1 s */
  readonly peakPerRunPerSecond: number;
  /** gaps between consecutive edits of the same parent, in ms */
  readonly parentEditGapsMs: number[];
  readonly acksMs: ReadonlyMap<string, number[]>;
}

async function quiet(calls: readonly RecordedCall[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  let count = calls.length;
  let changedAt = Date.now();
  while (Date.now() - changedAt < QUIET_MS && Date.now() < deadline) {
    await sleep(250);
    if (calls.length !== count) [count, changedAt] = [calls.length, Date.now()];
  }
}

export async function runPass(channels: number): Promise<PassResult> {
  const closers = new Closers();
  try {
    const prefix = benchPrefix(`runs${channels}`);
    const redis = closers.add(new Redis(REDIS_URL), 'redis', async (r) => {
      await cleanupPrefix(r, prefix);
      await r.quit();
    });
    const dir = closers.add(mkdtempSync(join(tmpdir(), 'cspatch-bench-runs-')), 'temp dir', (d) => rmSync(d, { recursive: true, force: true }));
    const fake = closers.add(await startFakeSlack(), 'fake Slack', (f) => f.close());
    const index = closers.add(indexSlack(fake), 'Slack index', (i) => i.stop());
    const scenario = loadScenario(SCENARIO);
    const powershell = join(dir, 'sim-powershell');
    writeSimStandin(powershell, scenario);
    const servers = Array.from({ length: RUNS }, (_, i) => `fe${String(i + 1).padStart(3, '0')}.bench.contoso.com`);
    const hostArgs = JSON.stringify({ redisUrl: REDIS_URL, prefix, master: MASTER_SECRET, servers, powershell, journalDir: dir });
    const agents = closers.add(startNode(join(BENCH_DIST, 'agents-host.js'), [hostArgs], { PATH: process.env.PATH ?? '' }), 'agents', (a) => a.stop());
    // Production pacing (CSPATCH_CHANNEL_RATE 1, burst 4) and the heap cap the README advises.
    const bot = closers.add(await startBenchBot({ prefix, slackApiUrl: fake.url, env: { NODE_OPTIONS: '--max-old-space-size=96' } }), 'bot', (b) => b.handle.stop());
    await agents.waitFor(/agents started/, 'the agents to start');
    for (let i = 0; (await redis.zcard(`${prefix}:runners`)) < RUNS; i++) {
      if (i > 600) throw new Error(`only ${await redis.zcard(`${prefix}:runners`)} of ${RUNS} runners registered`);
      await sleep(50);
    }

    const facts = confirmedFactsFor(scenario, 'benchrun01');
    const ctx: DriveContext = {
      botUrl: bot.baseUrl,
      fake,
      index,
      facts: { product: facts.product, edition: facts.edition, collocated: facts.collocatedStores, ...(facts.sqlServerFqdn ? { sql: facts.sqlServerFqdn } : {}), packagePath: facts.packagePath },
      acks: new Map(),
      stage: new Map(),
      timeoutMs: WAIT_MS,
    };
    const idle = sampleProcess(bot.handle.pid).stop();
    const sampler = sampleProcess(bot.handle.pid);
    const agentsSampler = sampleProcess(agents.pid, 1000);
    const callsBefore = fake.calls.length;
    const t0 = performance.now();
    const settled = await Promise.allSettled(servers.map((s, i) => driveRun(ctx, s, `CBENCH${String((i % channels) + 1).padStart(3, '0')}`)));
    const wallSeconds = (performance.now() - t0) / 1000;
    const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed.length > 0) {
      const stages = JSON.stringify(countBy([...ctx.stage.values()], (s) => s));
      throw new Error(`${failed.length} of ${RUNS} runs did not finish (${stages}); first: ${String((failed[0]?.reason as Error | undefined)?.message)}\n${bot.handle.tail().slice(-3000)}`);
    }
    await quiet(fake.calls);
    const botSample = sampler.stop();
    const agentsSample = agentsSampler.stop();
    const calls = fake.calls.slice(callsBefore);
    const runMs = settled.map((s) => (s.status === 'fulfilled' ? s.value : 0)).sort((a, b) => a - b);
    return {
      channels,
      wallSeconds,
      runSeconds: { median: (runMs[Math.floor(runMs.length / 2)] ?? 0) / 1000, max: (runMs.at(-1) ?? 0) / 1000 },
      bot: botSample,
      botIdleRssMb: idle.peakRssMb,
      agents: agentsSample,
      calls: calls.length,
      callsByMethod: countBy(calls, (c) => c.method),
      peakPerChannelPerSecond: peakChatRate(calls, 1000),
      sustainedPerChannelPerSecond: peakChatRate(calls, 60_000) / 60,
      peakPerRunPerSecond: peakChatRate(byThread(calls), 1000),
      parentEditGapsMs: editGaps(calls),
      acksMs: ctx.acks,
    };
  } finally {
    await closers.closeAll();
  }
}
