import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { powershellArgs } from '../commands/render-script.js';
import { ErrorCode } from '../core/errors.js';
import { killTree } from './kill-tree.js';
import type { FinishedFields } from './results.js';
import type { StepOutput } from './step-output.js';

export interface SpawnStepOptions {
  /** CSPATCH_POWERSHELL */
  readonly powershell: string;
  readonly script: string;
  readonly timeoutMs: number;
  readonly output: StepOutput;
  /** extra environment for the child (the demo points the simulated PowerShell at its scenario) */
  readonly env?: Readonly<Record<string, string>>;
}

export type ProcessOutcome = Omit<FinishedFields, 'data' | 'tail'>;

export interface RunningStep {
  /** the process id, or undefined when it could not be started */
  readonly pid: number | undefined;
  readonly done: Promise<ProcessOutcome>;
  /** Second signal: kill the tree now; the outcome becomes `interrupted`. */
  kill(): void;
}

function pump(stream: Readable | null | undefined, onLine: (text: string) => void): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((resolve) => {
    const rl = createInterface({ input: stream, crlfDelay: Infinity });
    rl.on('line', onLine);
    rl.on('close', resolve);
  });
}

/** The spawn error without the (long) encoded command line execa puts in its messages. */
function startError(result: { originalMessage?: unknown; code?: unknown }): string {
  if (typeof result.originalMessage === 'string' && result.originalMessage) return result.originalMessage;
  return typeof result.code === 'string' ? result.code : 'unknown error';
}

/**
 * Runs one rendered script in a fresh PowerShell process, exactly as the contract says, and
 * streams its lines into `output` as they come.
 *
 * @example const step = spawnStep({ powershell: 'powershell.exe', script, timeoutMs: 300_000, output })
 */
export function spawnStep(opts: SpawnStepOptions): RunningStep {
  const startedAt = Date.now();
  let killedFor: 'timeout' | 'forced' | null = null;
  const child = execa(opts.powershell, powershellArgs(opts.script), {
    reject: false,
    buffer: false,
    stdin: 'ignore',
    // Its own process group on POSIX, so the whole tree can be killed at once; on Windows
    // `detached` would open a console window instead, and taskkill /T finds the tree anyway.
    detached: process.platform !== 'win32',
    windowsHide: true,
    // The job's scripts never need the runner's signing key; keep it out of their reach.
    env: { ...opts.env, CSPATCH_RUNNER_SECRET: undefined },
  });
  const pid = child.pid;
  const stop = (reason: 'timeout' | 'forced') => {
    killedFor ??= reason;
    // A failed kill (the tree already gone) must not become an unhandled rejection.
    if (pid !== undefined) killTree(pid).catch(() => undefined);
  };
  const timer = setTimeout(() => stop('timeout'), opts.timeoutMs);

  const done = (async (): Promise<ProcessOutcome> => {
    const [result] = await Promise.all([
      child,
      pump(child.stdout, (t) => opts.output.line('stdout', t)),
      pump(child.stderr, (t) => opts.output.line('stderr', t)),
    ]);
    clearTimeout(timer);
    const durationMs = Date.now() - startedAt;
    const exitCode = typeof result.exitCode === 'number' ? result.exitCode : null;
    if (killedFor === 'timeout') {
      const message = `the step ran longer than its ${Math.round(opts.timeoutMs / 1000)} s limit and was killed with its child processes`;
      return { outcome: 'timed_out', exitCode: null, durationMs, errorCode: ErrorCode.StepTimedOut, message };
    }
    if (killedFor === 'forced') {
      const message = 'the runner was told to stop at once; the step was killed and its outcome is unknown';
      return { outcome: 'interrupted', exitCode: null, durationMs, errorCode: ErrorCode.StepInterrupted, message };
    }
    if (exitCode === 0) return { outcome: 'succeeded', exitCode, durationMs };
    const why =
      exitCode !== null
        ? `exited with code ${exitCode}`
        : result.signal
          ? `was killed by ${result.signal}`
          : `could not be started (${startError(result)}); check CSPATCH_POWERSHELL`;
    return { outcome: 'failed', exitCode, durationMs, errorCode: ErrorCode.StepFailed, message: `the step ${why}` };
  })();

  return { pid, done, kill: () => stop('forced') };
}
