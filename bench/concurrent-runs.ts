/**
 * Benchmark (c): 200 concurrent patch runs on 200 simulated servers through the full bot
 * process, each run in its own channel. With writes paced at Slack's ~1/s per channel, runs
 * sharing a channel queue behind each other (200 runs x ~47 writes in one channel is hours), so
 * the figure to watch is that no channel goes over the budget while every run still completes.
 */
import { plain, type Figure } from './figures.js';
import { runPass, RUNS, type PassResult } from './concurrent-pass.js';
import { round, roundSummary, summarize } from './stats.js';

const PASSES = [200] as const;
/** CSPATCH_PARENT_UPDATE_INTERVAL's default, which the benchmark's bot runs with */
const PARENT_INTERVAL_MS = 3000;

/** e.g. "chat.postMessage 32, chat.update 20.1, users.info 0.01" */
function perRun(byMethod: Record<string, number>): string {
  return Object.entries(byMethod)
    .sort((a, b) => b[1] - a[1])
    .map(([method, n]) => `${method} ${round(n / RUNS, 2)}`)
    .join(', ');
}

/** Edits of one parent less than a second apart: Slack's pace broken by a single run's coalescing. */
function fastEdits(p: PassResult): number {
  return p.parentEditGapsMs.filter((g) => g < 1000).length;
}

function figuresOf(p: PassResult): Figure[] {
  const where = p.channels === 1 ? '1 channel' : `${p.channels} channels`;
  const id = `runs.c${p.channels}`;
  const acks = summarize([...p.acksMs.values()].flat());
  return [
    plain(`${id}.wall`, `(c) ${where}: wall time, ${RUNS} runs`, p.wallSeconds, 's', undefined, `run median ${p.runSeconds.median.toFixed(1)} s, longest ${p.runSeconds.max.toFixed(1)} s`),
    plain(`${id}.rss`, `(c) ${where}: peak bot RSS (VmHWM)`, p.bot.hwmMb, 'MB', { limit: 200, text: '< 200 MB' }, `${p.botIdleRssMb.toFixed(0)} MB after start-up; bot run with --max-old-space-size=96 as the README advises`),
    plain(`${id}.callsPerRun`, `(c) ${where}: Slack Web API calls per run`, p.calls / RUNS, '', undefined, perRun(p.callsByMethod)),
    plain(`${id}.peakChannel`, `(c) ${where}: most chat writes to one channel in 1 s`, p.peakPerChannelPerSecond, '/s', { limit: 5, text: '<= burst + 1' }, 'a burst of 4 is allowed, then 1 /s'),
    plain(`${id}.sustainedChannel`, `(c) ${where}: busiest channel, sustained over 60 s`, p.sustainedPerChannelPerSecond, '/s', { limit: 1.1, text: '~1 /s' }, 'CSPATCH_CHANNEL_RATE 1, CSPATCH_CHANNEL_BURST 4'),
    plain(`${id}.peakRun`, `(c) ${where}: most chat writes of one run in 1 s`, p.peakPerRunPerSecond, '/s', undefined, 'parent, its edits and its thread together'),
    plain(`${id}.fastEdits`, `(c) ${where}: parent edits within 1 s of the last`, fastEdits(p), '', { limit: 0, text: '0' }, `of ${p.parentEditGapsMs.length} edits; CSPATCH_PARENT_UPDATE_INTERVAL is 3 s, so none should be`),
    plain(`${id}.ackP99`, `(c) ${where}: ack p99 under load`, acks.p99, 'ms', { limit: 3000, text: '< 3000 ms' }, 'Slack gives up on an ack after 3 s'),
  ];
}

export async function benchConcurrentRuns(): Promise<{ figures: Figure[]; details: Record<string, unknown> }> {
  const passes: PassResult[] = [];
  for (const channels of PASSES) passes.push(await runPass(channels));
  return {
    figures: passes.flatMap(figuresOf),
    details: {
      runs: RUNS,
      passes: passes.map((p) => ({
        channels: p.channels,
        wallSeconds: round(p.wallSeconds),
        runSeconds: p.runSeconds,
        bot: { idleRssMb: round(p.botIdleRssMb), peakRssMb: round(p.bot.peakRssMb), hwmMb: round(p.bot.hwmMb), cpuSeconds: round(p.bot.cpuSeconds) },
        agentsProcess: { hwmMb: round(p.agents.hwmMb), cpuSeconds: round(p.agents.cpuSeconds) },
        slackCalls: p.calls,
        slackCallsPerRun: round(p.calls / RUNS),
        callsByMethod: p.callsByMethod,
        peakChatWritesPerChannelPerSecond: p.peakPerChannelPerSecond,
        sustainedChatWritesPerChannelPerSecond: round(p.sustainedPerChannelPerSecond),
        peakChatWritesPerRunPerSecond: p.peakPerRunPerSecond,
        parentEditGapMs: roundSummary(summarize(p.parentEditGapsMs)),
        parentEditsWithin1s: fastEdits(p),
        parentEditsInsideInterval: p.parentEditGapsMs.filter((g) => g < PARENT_INTERVAL_MS).length,
        ackUnderLoad: Object.fromEntries([...p.acksMs].map(([kind, ms]) => [kind, roundSummary(summarize(ms))])),
      })),
    },
  };
}
