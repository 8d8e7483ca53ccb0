import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { CspatchError, ErrorCode } from '../core/errors.js';
import { createMemoryStores } from '../store/memory/create-memory-stores.js';
import { openRedis } from '../store/redis/connection.js';
import { createRedisStores } from '../store/redis/create-redis-stores.js';
import type { Stores } from '../store/ports.js';

export interface DemoStores {
  readonly stores: Stores;
  /** "memory", or the Redis URL and prefix, for the banner */
  readonly description: string;
  /** the prefix under which the demo keeps keys in Redis (for a runner's config), or null */
  readonly redis: { readonly url: string; readonly prefix: string } | null;
  /** Closes the stores and removes every key the demo wrote. */
  close(): Promise<void>;
}

/** `<prefix>:*` matching only that prefix's keys (glob characters escaped). */
function pattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, '\\$&')}:*`;
}

async function scanKeys(redis: Redis, prefix: string, each: (keys: string[]) => Promise<void>): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern(prefix), 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await each(keys);
  } while (cursor !== '0');
}

/**
 * In-memory stores, or Redis ones when a URL is given. In Redis the demo uses a prefix of its
 * own (random unless one is given) and removes its keys at exit; it refuses a prefix that already
 * holds keys, so it can never delete anything it did not write.
 */
export async function openDemoStores(redisUrl: string | undefined, prefix: string | undefined): Promise<DemoStores> {
  if (!redisUrl) {
    const stores = createMemoryStores();
    return { stores, description: 'in-memory store', redis: null, close: () => stores.close() };
  }
  const chosen = prefix ?? `cspatch-demo-${randomBytes(4).toString('hex')}`;
  const admin = openRedis(redisUrl, 'cspatch-demo:cleanup');
  try {
    let existing = 0;
    await scanKeys(admin, chosen, async (keys) => {
      existing += keys.length;
    });
    if (existing > 0) {
      throw new CspatchError(ErrorCode.ConfigInvalid, `CSPATCH_PREFIX=${chosen} already holds ${existing} key(s) in Redis. The demo removes its keys when it ends, so give it a prefix of its own (or leave CSPATCH_PREFIX unset for a random one).`);
    }
  } catch (err) {
    admin.disconnect();
    throw err;
  }
  const stores = createRedisStores({ redisUrl, prefix: chosen, connectionName: 'cspatch-demo' });
  return {
    stores,
    description: `Redis at ${redisUrl}, keys under "${chosen}:" (removed at exit)`,
    redis: { url: redisUrl, prefix: chosen },
    async close() {
      await stores.close();
      try {
        await scanKeys(admin, chosen, async (keys) => {
          await admin.unlink(...keys);
        });
      } finally {
        await admin.quit().catch(() => admin.disconnect());
      }
    },
  };
}
