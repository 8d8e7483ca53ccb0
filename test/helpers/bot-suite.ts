/**
 * The setup most bot test files share: a fresh key prefix, store clients on the real Redis, a
 * fake Slack and a bot process, started before the file's tests and torn down after them.
 */
import { afterAll, beforeAll } from '@jest/globals';
import { Redis } from 'ioredis';
import type { Stores } from '../../store/ports.js';
import { createRedisStores } from '../../store/redis/create-redis-stores.js';
import { cleanupBots, startBot, type BotHandle } from './bot.js';
import { startFakeSlack, type FakeSlack } from './fake-slack.js';
import { cleanupPrefix, TEST_REDIS_URL } from './redis.js';
import { cleanupRunners, runnerTestPrefix } from './runner.js';

export interface BotSuite {
  readonly prefix: string;
  readonly fake: FakeSlack;
  readonly bot: BotHandle;
  readonly redis: Redis;
  readonly stores: Stores;
}

/** Registers the hooks; the returned object is filled in by the time the first test runs. */
export function useBotSuite(label: string, env: Record<string, string> = {}): BotSuite {
  const prefix = runnerTestPrefix(label);
  const suite = { prefix } as { -readonly [K in keyof BotSuite]: BotSuite[K] };
  beforeAll(async () => {
    suite.redis = new Redis(TEST_REDIS_URL);
    suite.stores = createRedisStores({ redisUrl: TEST_REDIS_URL, prefix, connectionName: `${label}-test` });
    suite.fake = await startFakeSlack();
    suite.bot = await startBot({ prefix, slackApiUrl: suite.fake.url, env });
  }, 60_000);
  afterAll(async () => {
    await cleanupBots();
    await cleanupRunners();
    await suite.fake?.close();
    await suite.stores?.close();
    if (suite.redis) {
      await cleanupPrefix(suite.redis, prefix);
      await suite.redis.quit();
    }
  });
  return suite;
}
