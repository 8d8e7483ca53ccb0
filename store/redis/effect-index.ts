import type { Redis } from 'ioredis';
import type { KeyRegistry } from '../../core/keys.js';
import type { EffectQueue } from '../ports.js';
import { readyMember } from '../effect-codec.js';

/**
 * The global "which run queues have effects" sorted set. It lives outside the runs' hash-tag
 * slots, so it cannot join their Lua scripts in a Cluster; instead it is kept as a superset:
 * - writers index a queue before appending (crash-safe) and again after (beats a concurrent
 *   unindex); NX keeps a deferral's later time;
 * - an entry is removed only after its list was seen empty, then the list is checked again and
 *   the entry restored if an effect slipped in between.
 * A stale entry costs one LLEN in runsWithEffects, which prunes it.
 */
export class EffectIndex {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeyRegistry,
  ) {}

  async add(runId: string, queues: readonly EffectQueue[], at: number): Promise<void> {
    if (queues.length === 0) return;
    const args = queues.flatMap((q) => [at, readyMember(runId, q)]);
    await this.redis.zadd(this.keys.outboxReady, 'NX', ...args);
  }

  async removeIfEmpty(runId: string, queue: EffectQueue, now: number): Promise<void> {
    const member = readyMember(runId, queue);
    await this.redis.zrem(this.keys.outboxReady, member);
    if ((await this.redis.llen(this.keys.outbox(runId, queue))) > 0) {
      await this.redis.zadd(this.keys.outboxReady, 'NX', now, member);
    }
  }
}
