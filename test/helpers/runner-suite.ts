/**
 * The setup the runner test files share: the bot's side of the bus on a fresh key prefix, a
 * collector of the runner's results, and an admin connection to clean the prefix afterwards.
 */
import { afterAll, beforeAll } from '@jest/globals';
import { Redis } from 'ioredis';
import type { Stores } from '../../store/ports.js';
import { createRedisStores } from '../../store/redis/create-redis-stores.js';
import { TEST_REDIS_URL, cleanupPrefix } from './redis.js';
import { cleanupRunners, ResultCollector } from './runner.js';

export interface RunnerSuite {
  readonly admin: Redis;
  readonly stores: Stores;
  readonly results: ResultCollector;
}

/** Registers the hooks (call inside a describe); the object is filled in before its tests run. */
export function useRunnerSuite(prefix: string): RunnerSuite {
  const suite = {} as { -readonly [K in keyof RunnerSuite]: RunnerSuite[K] };
  beforeAll(() => {
    suite.admin = new Redis(TEST_REDIS_URL, { protocol: 2 });
    suite.stores = createRedisStores({ redisUrl: TEST_REDIS_URL, prefix, connectionName: `test-bot-${prefix}` });
    suite.results = new ResultCollector(suite.stores.botBus);
  });
  afterAll(async () => {
    await cleanupRunners();
    await suite.stores.close();
    await cleanupPrefix(suite.admin, prefix);
    await suite.admin.quit();
  });
  return suite;
}
