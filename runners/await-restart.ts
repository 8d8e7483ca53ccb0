import { ErrorCode } from '../core/errors.js';
import type { ProcessOutcome } from './spawn-step.js';

/**
 * After Restart-Computer returns, the step is not done: the machine is about to go down. The
 * runner takes no new job and reports nothing; the shutdown stops it, and the next start finds
 * the journal entry older than the boot and reports the reboot succeeded. Only when the machine
 * is still up after the reboot timeout is the step reported, as timed out.
 *
 * `stopped` resolves when the runner is told to stop; returns null in that case.
 */
export async function awaitRestart(outcome: ProcessOutcome, timeoutMs: number, stopped: Promise<void>): Promise<ProcessOutcome | null> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), timeoutMs);
  });
  const first = await Promise.race([stopped.then(() => 'stopped' as const), expired]);
  clearTimeout(timer);
  if (first === 'stopped') return null;
  return {
    outcome: 'timed_out',
    exitCode: outcome.exitCode,
    durationMs: outcome.durationMs + timeoutMs,
    errorCode: ErrorCode.StepTimedOut,
    message: `Restart-Computer returned, but the server was still up ${Math.round(timeoutMs / 1000)} s later; check why it did not restart`,
  };
}
