import type { Redis } from 'ioredis';
import type { KeyRegistry } from '../../core/keys.js';
import type { LockGrant, ServerLocks } from '../ports.js';
import { parseLockValue } from '../lock-value.js';
import { LuaScript } from './lua-script.js';
import { ACQUIRE_LOCK } from './lua/acquire-lock.js';
import { RELEASE_LOCK } from './lua/release-lock.js';

const acquireLock = new LuaScript(ACQUIRE_LOCK);
const releaseLock = new LuaScript(RELEASE_LOCK);

/**
 * One run per server, with fencing tokens. The lock deliberately has no TTL: a patch run can take
 * hours (a cumulative update plus reboots) and an expiry would let a second run start on a server
 * mid-patch. A stuck lock is released by a human through abort, never by time.
 */
export class RedisServerLocks implements ServerLocks {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeyRegistry,
  ) {}

  async acquire(server: string, runId: string): Promise<LockGrant | null> {
    const token = await acquireLock.run(this.redis, [this.keys.lock(server), this.keys.fence(server)], [runId]);
    return typeof token === 'number' && token > 0 ? { runId, token } : null;
  }

  async holder(server: string): Promise<LockGrant | null> {
    return parseLockValue(await this.redis.get(this.keys.lock(server)));
  }

  async release(server: string, grant: LockGrant): Promise<boolean> {
    const done = await releaseLock.run(this.redis, [this.keys.lock(server)], [`${grant.runId}:${grant.token}`]);
    return done === 1;
  }
}
