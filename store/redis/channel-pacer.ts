import type { Redis } from 'ioredis';
import type { KeyRegistry } from '../../core/keys.js';
import type { ChannelPacer } from '../ports.js';
import { TAKE_PACE } from './lua/take-pace.js';
import { LuaScript } from './lua-script.js';

const script = new LuaScript(TAKE_PACE);

/** Shared across replicas: every bot process draws from the same per-channel budget. */
export class RedisChannelPacer implements ChannelPacer {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeyRegistry,
  ) {}

  async take(channel: string, now: number, intervalMs: number, burst: number): Promise<number> {
    if (intervalMs <= 0) return 0;
    const wait = await script.run(this.redis, [this.keys.pace(channel)], [Math.floor(now), Math.ceil(intervalMs), Math.max(1, Math.floor(burst))]);
    return Number(wait);
  }
}
