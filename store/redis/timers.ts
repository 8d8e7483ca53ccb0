import type { Redis } from 'ioredis';
import type { KeyRegistry } from '../../core/keys.js';
import type { DueTimer, Timers } from '../ports.js';
import { parseTimerMember, timerMember } from '../timer-member.js';
import { LuaScript } from './lua-script.js';
import { CLAIM_TIMERS } from './lua/claim-timers.js';
import { SETTLE_TIMER } from './lua/settle-timer.js';

const claimTimers = new LuaScript(CLAIM_TIMERS);
const settleTimer = new LuaScript(SETTLE_TIMER);

/** Named per-run timers in one sorted set, shared by every bot replica. */
export class RedisTimers implements Timers {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeyRegistry,
  ) {}

  async schedule(runId: string, name: string, dueAt: number): Promise<void> {
    await this.redis.zadd(this.keys.timers, dueAt, timerMember(runId, name));
  }

  async cancel(runId: string, name: string): Promise<void> {
    await this.redis.zrem(this.keys.timers, timerMember(runId, name));
  }

  async claimDue(now: number, limit: number, leaseMs = 0): Promise<DueTimer[]> {
    if (limit < 1) return [];
    const leasedUntil = leaseMs > 0 ? now + leaseMs : 0;
    const flat = await claimTimers.run(this.redis, [this.keys.timers], [now, Math.floor(limit), leasedUntil]);
    const out: DueTimer[] = [];
    if (!Array.isArray(flat)) return out;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const timer = parseTimerMember(String(flat[i]), Number(flat[i + 1]));
      if (timer) out.push(timer);
    }
    return out;
  }

  async settle(runId: string, name: string, leasedUntil: number): Promise<void> {
    await settleTimer.run(this.redis, [this.keys.timers], [timerMember(runId, name), leasedUntil]);
  }
}
