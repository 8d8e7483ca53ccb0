import type { RunnerConfig } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { ErrorCode } from '../core/errors.js';
import type { RunnerBus, StreamEntry } from '../store/ports.js';
import { checkJob } from './check-job.js';
import { executeJob, type ExecuteDeps } from './execute-job.js';
import { recoverJournal } from './recover-journal.js';
import { refusedResult, type UnsignedFinished } from './results.js';
import { bootTimeOf } from './boot-time.js';

export interface HandleDeps extends ExecuteDeps {
  readonly config: ExecuteDeps['config'] & Pick<RunnerConfig, 'CSPATCH_BOOT_TIME'>;
  readonly bus: RunnerBus;
  /** CSPATCH_RUNNER_SECRET: this server's key */
  readonly key: string;
  readonly logger: Logger;
  /** told the job id while a step runs, and null after */
  readonly busy: (jobId: string | null) => void;
}

/**
 * One stream entry, start to acknowledgement. Every path acknowledges only after whatever
 * answers the job (a refusal or the step's result) has been stored.
 */
export async function handleEntry(entry: StreamEntry, deps: HandleDeps): Promise<UnsignedFinished | null> {
  const { server } = deps.config;
  const verdict = checkJob(entry, { key: deps.key, server, entryOf: deps.journal.entryOf, now: Date.now() });
  switch (verdict.kind) {
    case 'drop':
      deps.logger.warn({ entryId: entry.id, reason: verdict.reason, raw: entry.raw.slice(0, 200) }, 'dropped an unreadable job entry');
      await deps.bus.ackJob(server, entry.id);
      return null;
    case 'duplicate': {
      // Delivered again after a restart: it ran (or was refused) already. If its outcome never
      // reached Redis, the journal still holds it; store it before letting the entry go.
      if (deps.journal.current()?.jobId === verdict.jobId) {
        await recoverJournal({ journal: deps.journal, publisher: deps.publisher, server, bootTime: bootTimeOf(deps.config), now: Date.now() });
      }
      deps.logger.info({ entryId: entry.id, jobId: verdict.jobId }, 'job already handled; acknowledging without running it again');
      await deps.bus.ackJob(server, entry.id);
      return null;
    }
    case 'refuse': {
      deps.logger.warn({ entryId: entry.id, ...verdict.ids, errorCode: verdict.errorCode, why: verdict.message }, 'job refused');
      const result = refusedResult(verdict.ids, verdict.errorCode, verdict.message, Date.now());
      await deps.publisher.publish(result);
      // Only a verified job is remembered: forged ones must not be able to push real ids out of
      // the bounded list, and a replay must not take over the original's entry.
      if (verdict.verified && verdict.errorCode !== ErrorCode.JobReplayed) await deps.journal.remember(verdict.ids.jobId, entry.id);
      await deps.bus.ackJob(server, entry.id);
      return result;
    }
    case 'run': {
      deps.busy(verdict.job.jobId);
      try {
        const result = await executeJob(entry, verdict, deps);
        if (result) await deps.bus.ackJob(server, entry.id);
        return result;
      } finally {
        deps.busy(null);
      }
    }
  }
}
