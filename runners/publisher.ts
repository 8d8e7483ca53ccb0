import type { Logger } from '../core/logger.js';
import { signMessage, type UnsignedResult } from '../core/messages.js';
import { CspatchError, ErrorCode, coerceError } from '../core/errors.js';
import type { RunnerBus } from '../store/ports.js';
import { delay } from './delay.js';

export interface Publisher {
  /** Signs and stores one result, retrying while Redis is unreachable. */
  publish(message: UnsignedResult): Promise<void>;
}

export interface PublisherOptions {
  readonly bus: RunnerBus;
  /** the runner's own key (CSPATCH_RUNNER_SECRET); the bot checks results with the same one */
  readonly key: string;
  readonly logger: Logger;
  /** true once retrying is pointless (forced stop); the journal keeps the result for next start */
  readonly giveUp: () => boolean;
}

const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5000;

/**
 * A lost result would leave a run waiting forever, so publishing retries with backoff rather
 * than failing the step; only a forced stop ends the retries.
 */
export function createPublisher(opts: PublisherOptions): Publisher {
  return {
    async publish(message) {
      const signed = signMessage(opts.key, message);
      for (let backoff = FIRST_BACKOFF_MS; ; backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)) {
        try {
          await opts.bus.publishResult(signed);
          return;
        } catch (err) {
          const e = coerceError(err);
          if (opts.giveUp()) {
            throw new CspatchError(ErrorCode.Internal, `could not store the ${message.type} result of job ${message.jobId}: ${e.message}`);
          }
          opts.logger.warn({ err: e.message, jobId: message.jobId, type: message.type, retryInMs: backoff }, 'storing a result failed; retrying');
          await delay(backoff);
        }
      }
    },
  };
}
