import type { Stores } from '../ports.js';
import { MemoryAuditLog } from './audit-log.js';
import { BlockingWaits } from './blocking-waits.js';
import { MemoryBotBus } from './bot-bus.js';
import { MemoryDedupe } from './dedupe.js';
import type { MemoryData } from './memory-data.js';
import { createMemoryData } from './memory-data.js';
import { MemoryRunStore } from './run-store.js';
import { MemoryRunnerBus } from './runner-bus.js';
import { MemoryRunnerDirectory } from './runner-directory.js';
import { MemoryServerLocks } from './server-locks.js';
import { MemorySettings } from './settings.js';
import { MemoryTimers } from './timers.js';
import { MemoryChannelPacer } from './channel-pacer.js';

export interface MemoryStoreOptions {
  /** share one state between instances to model a restart (createMemoryData()); fresh by default */
  readonly data?: MemoryData;
}

/**
 * Stores kept in this process, for the demo and tests. close() wakes every blocked read (they
 * return []) and leaves no timer behind; the data stays usable by other instances.
 *
 * @example const stores = createMemoryStores();
 */
export function createMemoryStores(opts: MemoryStoreOptions = {}): Stores {
  const data = opts.data ?? createMemoryData();
  const waits = new BlockingWaits();
  return {
    runs: new MemoryRunStore(data),
    locks: new MemoryServerLocks(data),
    timers: new MemoryTimers(data),
    botBus: new MemoryBotBus(data, waits),
    runnerBus: new MemoryRunnerBus(data, waits),
    runners: new MemoryRunnerDirectory(data),
    dedupe: new MemoryDedupe(data),
    pacer: new MemoryChannelPacer(data),
    audit: new MemoryAuditLog(data),
    settings: new MemorySettings(data),
    async close() {
      waits.close();
    },
  };
}
