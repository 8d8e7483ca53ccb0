/**
 * What every benchmark shares with the end-to-end tests: the same secrets, the real Redis on
 * loopback, and a random key prefix per benchmark so nothing collides with tests or other runs.
 */
import { randomBytes } from 'node:crypto';
export { BOT_TOKEN, SIGNING_SECRET } from '../test/helpers/bot.js';
export { cleanupPrefix, TEST_REDIS_URL as REDIS_URL } from '../test/helpers/redis.js';
export { TEST_MASTER as MASTER_SECRET } from '../test/helpers/runner.js';

/** CSPATCH_PREFIX allows at most 40 characters. */
export function benchPrefix(label: string): string {
  return `bench-${label.slice(0, 12)}-${randomBytes(6).toString('hex')}`;
}

export const ADMINS = ['UADMIN1', 'UADMIN2', 'UADMIN3'] as const;

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
