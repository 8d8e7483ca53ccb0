/**
 * The two costs inside every relayed step that are not relaying, measured alone so benchmark
 * (b)'s ratio can be read fairly: starting the PowerShell process (here the instant stand-in,
 * through the runner's own spawnStep/execa path) and the runner journal's durable writes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { renderScript } from '../commands/render-script.js';
import { openJournal } from '../runners/journal.js';
import { finishedResult } from '../runners/results.js';
import { spawnStep } from '../runners/spawn-step.js';
import { createStepOutput } from '../runners/step-output.js';

export async function measureSpawn(powershell: string, stepId: string, params: Record<string, unknown>, n: number): Promise<number[]> {
  const script = renderScript(stepId, params);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const output = createStepOutput({ send: async () => undefined, onError: () => undefined });
    const t0 = performance.now();
    const outcome = await spawnStep({ powershell, script, timeoutMs: 60_000, output }).done;
    await output.drain();
    samples.push(performance.now() - t0);
    if (outcome.outcome !== 'succeeded') throw new Error(`the instant PowerShell did not succeed: ${JSON.stringify(outcome)}`);
  }
  return samples;
}

/**
 * The journal writes of one step, as executeJob makes them, in a fresh temp directory: `begin`
 * and `complete` lie between the job's arrival and its published result; `finish` comes after
 * the result is stored, so it is outside the relay time (but delays the next job's read).
 */
export async function measureJournal(n: number): Promise<{ inPath: number[]; after: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'cspatch-bench-journal-'));
  try {
    const journal = await openJournal(join(dir, 'journal.json'));
    const inPath: number[] = [];
    const after: number[] = [];
    for (let i = 0; i < n; i++) {
      const ids = { jobId: `job_bench${String(i).padStart(6, '0')}`, runId: 'benchrun01', server: 'relay.bench.contoso.com', stepId: 'check-pending-reboot' };
      const t0 = performance.now();
      await journal.begin({ jobId: ids.jobId, runId: ids.runId, stepId: ids.stepId, entryId: `${i + 1}-0`, startedAt: Date.now() });
      await journal.complete(finishedResult(ids, { outcome: 'succeeded', exitCode: 0, durationMs: 1, data: {}, tail: [] }, Date.now()));
      const t1 = performance.now();
      await journal.finish();
      inPath.push(t1 - t0);
      after.push(performance.now() - t1);
    }
    return { inPath, after };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
