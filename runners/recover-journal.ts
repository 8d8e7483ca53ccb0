import type { Journal, JournalEntry } from './journal.js';
import type { Publisher } from './publisher.js';
import { finishedResult, type UnsignedFinished } from './results.js';
import { ErrorCode } from '../core/errors.js';

export interface RecoverOptions {
  readonly journal: Journal;
  readonly publisher: Publisher;
  readonly server: string;
  /** when the machine last booted (ms since epoch) */
  readonly bootTime: number;
  readonly now: number;
}

/**
 * What a step left running by a crash or a reboot is reported as. Its outcome is unknown, so it
 * is `interrupted` for a human to judge, never retried. The one exception is `reboot`: a machine
 * that booted after the step started has done exactly what the step asked.
 */
export function resultForInterrupted(entry: JournalEntry, server: string, bootTime: number, now: number): UnsignedFinished {
  const ids = { jobId: entry.jobId, runId: entry.runId, server, stepId: entry.stepId };
  const durationMs = now - entry.startedAt;
  if (entry.stepId === 'reboot' && bootTime > entry.startedAt) {
    return finishedResult(ids, { outcome: 'succeeded', exitCode: null, durationMs, data: { rebooted: true }, tail: [] }, now);
  }
  return finishedResult(
    ids,
    {
      outcome: 'interrupted',
      exitCode: null,
      durationMs,
      data: {},
      tail: [],
      errorCode: ErrorCode.StepInterrupted,
      message: 'the runner stopped while this step was running (crash, kill or reboot); whether the step completed is unknown: check the server before retrying or skipping',
    },
    now,
  );
}

/**
 * Settles the journal's last step before anything new is taken: a step still `running` is
 * reported as interrupted, a `completed` one has its kept result published again. Returns the
 * result it published, if any.
 */
export async function recoverJournal(opts: RecoverOptions): Promise<UnsignedFinished | null> {
  const entry = opts.journal.current();
  if (!entry || entry.state === 'finished') return null;
  let result = entry.result;
  if (entry.state === 'running' || !result) {
    result = resultForInterrupted(entry, opts.server, opts.bootTime, opts.now);
    await opts.journal.complete(result);
  }
  await opts.publisher.publish(result);
  await opts.journal.finish();
  return result;
}
