import { createKeys } from '../../core/keys.js';
import type { Stores } from '../ports.js';
import { RedisAuditLog } from './audit-log.js';
import { RedisBotBus } from './bot-bus.js';
import { BlockingConnections, openRedis } from './connection.js';
import { RedisDedupe } from './dedupe.js';
import { RedisChannelPacer } from './channel-pacer.js';
import { RedisRunStore } from './run-store.js';
import { RedisRunnerBus } from './runner-bus.js';
import { RedisRunnerDirectory } from './runner-directory.js';
import { RedisServerLocks } from './server-locks.js';
import { RedisSettings } from './settings.js';
import { RedisTimers } from './timers.js';

export interface RedisStoreOptions {
  /** e.g. redis://127.0.0.1:6379/0 */
  readonly redisUrl: string;
  /** namespace of every key (core/keys.ts) */
  readonly prefix: string;
  /** shown by CLIENT LIST; blocking readers get "<name>:block" */
  readonly connectionName?: string;
  /** false skips ioredis' INFO-based ready check, for ACL users without INFO (the runner's) */
  readonly readyCheck?: boolean;
}

/**
 * All stores on one shared connection, plus one dedicated connection per blocking reader
 * (opened on first read). close() waits for the shared connection's replies, then quits it.
 *
 * @example const stores = createRedisStores({ redisUrl: 'redis://127.0.0.1:6379', prefix: 'cspatch' });
 */
export function createRedisStores(opts: RedisStoreOptions): Stores {
  const redis = openRedis(opts.redisUrl, opts.connectionName, opts.readyCheck === false ? { readyCheck: false } : {});
  const blocking = new BlockingConnections(redis);
  const keys = createKeys(opts.prefix);
  let closing: Promise<void> | null = null;
  return {
    runs: new RedisRunStore(redis, keys),
    locks: new RedisServerLocks(redis, keys),
    timers: new RedisTimers(redis, keys),
    botBus: new RedisBotBus(redis, blocking, keys),
    runnerBus: new RedisRunnerBus(redis, blocking, keys),
    runners: new RedisRunnerDirectory(redis, keys),
    dedupe: new RedisDedupe(redis, keys),
    pacer: new RedisChannelPacer(redis, keys),
    audit: new RedisAuditLog(redis, keys),
    settings: new RedisSettings(redis, keys),
    close() {
      closing ??= (async () => {
        blocking.close();
        if (redis.status === 'end') return;
        try {
          await redis.quit();
        } catch {
          // already disconnected (e.g. Redis went away): nothing is left to flush
          redis.disconnect();
        }
      })();
      return closing;
    },
  };
}
