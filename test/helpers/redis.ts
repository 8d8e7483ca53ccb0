import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The Redis every test uses; our machines always have one. */
export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/** A key prefix no other test (or test run) shares. */
export function testPrefix(): string {
  return `cspatch-test-${randomUUID()}`;
}

/**
 * Deletes every key under `prefix` (SCAN MATCH prefix*, then UNLINK) and returns how many.
 * Glob characters in the prefix are escaped so it matches only itself.
 */
export async function cleanupPrefix(redis: Redis, prefix: string): Promise<number> {
  const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) removed += await redis.unlink(...keys);
  } while (cursor !== '0');
  return removed;
}
