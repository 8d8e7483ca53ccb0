import type { Redis } from 'ioredis';
import type { KeyRegistry } from '../../core/keys.js';
import type { Dedupe } from '../ports.js';

/** Seen-once marks with SET NX PX: the first caller wins, the mark expires after ttlMs. */
export class RedisDedupe implements Dedupe {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeyRegistry,
  ) {}

  async firstTime(id: string, ttlMs: number): Promise<boolean> {
    const set = await this.redis.set(this.keys.seen(id), '1', 'PX', Math.max(1, Math.floor(ttlMs)), 'NX');
    return set === 'OK';
  }

  async forget(id: string): Promise<void> {
    await this.redis.del(this.keys.seen(id));
  }
}
