import { randomUUID } from 'node:crypto';
import type { RunnerConfig } from '../core/config.js';
import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RunnerInfo, Stores, StreamEntry } from '../store/ports.js';
import { bootTimeOf } from './boot-time.js';
import { delay } from './delay.js';
import { detectFacts, factsOf } from './detect-facts.js';
import { handleEntry } from './handle-entry.js';
import { startHeartbeat } from './heartbeat.js';
import { openJournal, type Journal } from './journal.js';
import { createPublisher } from './publisher.js';
import { recoverJournal } from './recover-journal.js';
import { runnerVersion } from './runner-version.js';
import type { RunningStep } from './spawn-step.js';

export interface AgentOptions {
  readonly config: RunnerConfig;
  readonly stores: Pick<Stores, 'runnerBus' | 'runners'>;
  readonly logger: Logger;
  /** extra environment for every PowerShell process: the in-process demo tells the simulated one its scenario this way */
  readonly stepEnv?: Readonly<Record<string, string>>;
}

export interface Agent {
  /** Registers, recovers, detects facts, then takes jobs until stopped. */
  run(): Promise<void>;
  /** First signal: take no new job; the current step finishes and is reported. */
  stop(): void;
  /** Second signal: kill the current step's process tree; it is reported `interrupted`. */
  forceStop(): void;
}

/** How long one read waits for a job; also the longest a stop waits for an idle runner. */
const READ_BLOCK_MS = 1000;
const ERROR_BACKOFF_MS = 1000;

/**
 * The runner agent: one job at a time, from its own server's stream, only catalog steps.
 *
 * @example await createAgent({ config, stores, logger }).run()
 */
export function createAgent(opts: AgentOptions): Agent {
  const { config, logger } = opts;
  const bus = opts.stores.runnerBus;
  let stopping = false;
  let forced = false;
  let current: RunningStep | null = null;
  let busyJobId: string | null = null;
  let facts: Record<string, unknown> | null = null;
  let signalStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => {
    signalStopped = resolve;
  });
  const runnerId = randomUUID();
  const version = runnerVersion();
  const startedAt = Date.now();
  // The consumer name is the server, not the random runner id: a restarted runner must be
  // handed the entries its predecessor received but never acknowledged.
  const consumer = config.server;

  const info = (): RunnerInfo => ({ server: config.server, runnerId, version, startedAt, heartbeatAt: Date.now(), busyJobId, facts });
  const track = (step: RunningStep | null) => {
    current = step;
    if (step && forced) step.kill();
  };
  const publisher = createPublisher({ bus, key: config.CSPATCH_RUNNER_SECRET, logger, giveUp: () => forced });
  const settle = (journal: Journal) => recoverJournal({ journal, publisher, server: config.server, bootTime: bootTimeOf(config), now: Date.now() });

  async function takeJobs(journal: Journal, beat: () => Promise<void>): Promise<void> {
    const deps = {
      config,
      journal,
      publisher,
      logger,
      bus,
      key: config.CSPATCH_RUNNER_SECRET,
      track,
      stopped,
      ...(opts.stepEnv ? { stepEnv: opts.stepEnv } : {}),
      busy: (jobId: string | null) => {
        busyJobId = jobId;
        void beat();
      },
    };
    while (!stopping) {
      let entries: StreamEntry[];
      try {
        entries = await bus.readJobs(config.server, consumer, READ_BLOCK_MS);
      } catch (err) {
        logger.warn({ err: coerceError(err).message }, 'reading jobs failed; retrying');
        await delay(ERROR_BACKOFF_MS);
        continue;
      }
      for (const entry of entries) {
        if (stopping) break;
        try {
          const result = await handleEntry(entry, deps);
          if (result?.stepId === 'detect-facts' && result.outcome === 'succeeded') {
            facts = factsOf(result.data) ?? facts;
            void beat();
          }
        } catch (err) {
          // The entry stays unacknowledged and comes back; the journal keeps it from running twice.
          logger.error({ err: coerceError(err).message, entryId: entry.id }, 'handling a job failed; will settle the journal and read again');
          await delay(ERROR_BACKOFF_MS);
          await settle(journal).catch((e: unknown) => logger.error({ err: coerceError(e).message }, 'settling the journal failed'));
          break;
        }
      }
    }
  }

  return {
    async run() {
      const journal = await openJournal(config.journalPath);
      const heartbeat = startHeartbeat(opts.stores.runners, config.CSPATCH_HEARTBEAT, info, logger);
      try {
        logger.info({ server: config.server, runnerId, version, journal: config.journalPath }, 'runner started');
        const recovered = await settle(journal);
        if (recovered) logger.warn({ jobId: recovered.jobId, stepId: recovered.stepId, outcome: recovered.outcome }, 'reported the step left by the previous run');
        if (!stopping) {
          facts = await detectFacts({ config, logger, track, ...(opts.stepEnv ? { stepEnv: opts.stepEnv } : {}) });
          await heartbeat.beat();
        }
        await takeJobs(journal, heartbeat.beat);
      } finally {
        await heartbeat.stop();
        logger.info({ forced }, 'runner stopped');
      }
    },
    stop() {
      if (stopping) return;
      stopping = true;
      signalStopped();
      // Detection only reads; there is nothing to finish or report.
      if (current && busyJobId === null) current.kill();
    },
    forceStop() {
      stopping = true;
      forced = true;
      signalStopped();
      current?.kill();
    },
  };
}
