import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RunnerConfig } from '../core/config.js';
import type { StreamEntry } from '../store/ports.js';
import type { Verdict } from './check-job.js';
import type { Journal } from './journal.js';
import type { Publisher } from './publisher.js';
import { finishedResult, outputResult, startedResult, type ResultIds, type UnsignedFinished } from './results.js';
import { awaitRestart } from './await-restart.js';
import { spawnStep, type ProcessOutcome, type RunningStep } from './spawn-step.js';
import { createStepOutput } from './step-output.js';

export interface ExecuteDeps {
  readonly config: Pick<RunnerConfig, 'server' | 'CSPATCH_POWERSHELL' | 'stepTimeoutsMs'>;
  readonly journal: Journal;
  readonly publisher: Publisher;
  readonly logger: Logger;
  /** the step in flight, so a second signal can kill it */
  readonly track: (step: RunningStep | null) => void;
  /** resolves once the runner is told to stop */
  readonly stopped: Promise<void>;
  /** extra environment for each step's process (see AgentOptions.stepEnv) */
  readonly stepEnv?: Readonly<Record<string, string>>;
}

/**
 * Runs one accepted job. The order is what recovery relies on: journal first (so a crash
 * after the spawn is known), then `started`, then the process; the outcome is journalled before
 * the output is flushed and the outcome published, and marked finished after. The caller acknowledges the job only afterwards.
 * Null when a reboot step left the outcome to the next start (see awaitRestart).
 */
export async function executeJob(entry: StreamEntry, verdict: Extract<Verdict, { kind: 'run' }>, deps: ExecuteDeps): Promise<UnsignedFinished | null> {
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
  const step = spawnStep({ powershell: deps.config.CSPATCH_POWERSHELL, script, timeoutMs: deps.config.stepTimeoutsMs[def.kind], output, ...(deps.stepEnv ? { env: deps.stepEnv } : {}) });
  deps.track(step);
  let outcome: ProcessOutcome | null = await step.done.finally(() => deps.track(null));
  if (def.kind === 'reboot' && outcome.outcome === 'succeeded') {
    log.info('waiting for the machine to restart; taking no new job');
    outcome = await awaitRestart(outcome, deps.config.stepTimeoutsMs.reboot, deps.stopped);
    // Going down: the journal entry stays `running` and the job unacknowledged for the next boot.
    if (outcome === null) return null;
  }

  const result = finishedResult(ids, { ...outcome, data: output.data, tail: output.tail() }, Date.now());
  // Journalled before anything waits on Redis: a crash during an outage still knows the outcome.
  await deps.journal.complete(result);
  // Output goes out before the outcome, so the thread never shows a result ahead of its lines.
  await output.drain();
  await deps.publisher.publish(result);
  await deps.journal.finish();
  log.info({ outcome: result.outcome, exitCode: result.exitCode, durationMs: result.durationMs }, 'step finished');
  return result;
}
