import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RunnerDirectory, RunnerInfo } from '../store/ports.js';

export interface Heartbeat {
  /** Sends the current info now (after any beat in flight). */
  beat(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Registers the runner and keeps its entry fresh. A failed beat is only logged: the bot marks a
 * silent runner lost after CSPATCH_RUNNER_LOST_AFTER, which is the right signal for an outage.
 */
export function startHeartbeat(directory: RunnerDirectory, intervalMs: number, info: () => RunnerInfo, logger: Logger): Heartbeat {
  let chain: Promise<void> = Promise.resolve();
  const beat = () => {
    chain = chain.then(() =>
      directory.heartbeat(info()).catch((err: unknown) => {
        logger.warn({ err: coerceError(err).message }, 'heartbeat failed');
      }),
    );
    return chain;
  };
  const timer = setInterval(() => void beat(), intervalMs);
  void beat();
  return {
    beat,
    async stop() {
      clearInterval(timer);
      await chain;
    },
  };
}
