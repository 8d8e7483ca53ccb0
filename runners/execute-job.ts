import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RunnerConfig } from '../core/config.js';
import type { StreamEntry } from '../store/ports.js';
import type { Verdict } from './check-job.js';
import type { Journal } from './journal.js';
import type { Publisher } from './publisher.js';
import { finishedResult, outputResult, startedResult, type ResultIds, type UnsignedFinished } from './results.js';
import { spawnStep, type RunningStep } from './spawn-step.js';
import { createStepOutput } from './step-output.js';

export interface ExecuteDeps {
  readonly config: Pick<RunnerConfig, 'server' | 'CSPATCH_POWERSHELL' | 'stepTimeoutsMs'>;
  readonly journal: Journal;
  readonly publisher: Publisher;
  readonly logger: Logger;
  /** the step in flight, so a second signal can kill it */
  readonly track: (step: RunningStep | null) => void;
}

/**
 * Runs one accepted job. The order is what recovery relies on: journal first (so a crash
 * after the spawn is known), then `started`, then the process; the outcome is journalled before
 * it is published and marked finished after. The caller acknowledges the job only afterwards.
 */
export async function executeJob(entry: StreamEntry, verdict: Extract<Verdict, { kind: 'run' }>, deps: ExecuteDeps): Promise<UnsignedFinished> {
  const { job, def, script } = verdict;
  const ids: ResultIds = { jobId: job.jobId, runId: job.runId, server: deps.config.server, stepId: job.stepId };
  const log = deps.logger.child({ jobId: job.jobId, runId: job.runId, stepId: job.stepId, attempt: job.attempt });

  await deps.journal.begin({ jobId: job.jobId, runId: job.runId, stepId: job.stepId, entryId: entry.id, startedAt: Date.now() });
  await deps.publisher.publish(startedResult(ids, Date.now()));
  const output = createStepOutput({
    send: (seq, lines) => deps.publisher.publish(outputResult(ids, seq, lines, Date.now())),
    // Losing a batch of output is better than holding up the step's outcome.
    onError: (err) => log.warn({ err: coerceError(err).message }, 'an output batch was lost'),
  });
  log.info({ kind: def.kind }, 'step started');
  const step = spawnStep({ powershell: deps.config.CSPATCH_POWERSHELL, script, timeoutMs: deps.config.stepTimeoutsMs[def.kind], output });
  deps.track(step);
  const outcome = await step.done.finally(() => deps.track(null));
  await output.drain();

  const result = finishedResult(ids, { ...outcome, data: output.data, tail: output.tail() }, Date.now());
  await deps.journal.complete(result);
  await deps.publisher.publish(result);
  await deps.journal.finish();
  log.info({ outcome: result.outcome, exitCode: result.exitCode, durationMs: result.durationMs }, 'step finished');
  return result;
}
