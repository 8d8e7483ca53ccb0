/**
 * `npm run bench`: runs each benchmark in turn, prints one table (each figure beside the
 * baseline measured in the same run) and writes bench/results.json. A missed target is printed,
 * not failed; only an error (a benchmark that could not finish) makes the exit code non-zero.
 *
 * `node dist/bench/run-bench.js ack relay` runs only the named benchmarks.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchAckLatency } from './ack-latency.js';
import { killAllStarted } from './child.js';
import { benchConcurrentRuns } from './concurrent-runs.js';
import type { Figure } from './figures.js';
import { RESULTS_FILE } from './paths.js';
import { benchRelay } from './relay-overhead.js';
import { renderTable } from './table.js';

interface Outcome {
  readonly figures: Figure[];
  readonly details: Record<string, unknown>;
}

const BENCHMARKS: ReadonlyArray<{ key: string; title: string; run: () => Promise<Outcome> }> = [
  { key: 'ack', title: '(a) slash command to ack: full bot vs bare Bolt app', run: benchAckLatency },
  { key: 'relay', title: '(b) one step relayed: runner vs raw Redis Streams round trip', run: benchRelay },
  { key: 'runs', title: '(c) 200 concurrent runs on simulated servers', run: benchConcurrentRuns },
];

async function main(only: readonly string[]): Promise<number> {
  const started = new Date();
  const sections: Array<{ title: string; figures: Figure[] }> = [];
  const results: Record<string, unknown> = {};
  let failed = false;
  for (const b of BENCHMARKS) {
    if (only.length > 0 && !only.includes(b.key)) continue;
    const t0 = Date.now();
    process.stderr.write(`bench: ${b.title} ...\n`);
    try {
      const outcome = await b.run();
      sections.push({ title: b.title, figures: outcome.figures });
      results[b.key] = { seconds: (Date.now() - t0) / 1000, figures: outcome.figures, ...outcome.details };
    } catch (err) {
      failed = true;
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.stderr.write(`bench: ${b.key} failed: ${message}\n`);
      results[b.key] = { seconds: (Date.now() - t0) / 1000, error: message.slice(0, 4000) };
      await killAllStarted();
    }
    process.stderr.write(`bench: ${b.key} took ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const machine = { node: process.version, cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', platform: process.platform, arch: process.arch };
  process.stdout.write(`\ncspatch benchmarks, ${started.toISOString()}, node ${machine.node}, ${machine.cpus} CPUs\n\n${renderTable(sections)}\n\n`);
  const missed = sections.flatMap((s) => s.figures).filter((f) => f.met === false);
  if (missed.length > 0) process.stdout.write(`targets missed: ${missed.map((f) => f.label).join('; ')}\n`);
  writeFileSync(RESULTS_FILE, `${JSON.stringify({ date: started.toISOString(), machine, benchmarks: results }, null, 2)}\n`);
  process.stdout.write(`results written to bench/results.json\n`);
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
