import type { Redis } from 'ioredis';
import type { KeyRegistry } from '../../core/keys.js';
import type { Settings } from '../ports.js';
import { settingField } from '../setting-field.js';

/** Per-channel and per-user settings in one hash, field "<scope>:<id>:<name>". */
export class RedisSettings implements Settings {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeyRegistry,
  ) {}

  async get(scope: 'channel' | 'user', id: string, name: string): Promise<string | null> {
    return this.redis.hget(this.keys.settings, settingField(scope, id, name));
  }

  async set(scope: 'channel' | 'user', id: string, name: string, value: string): Promise<void> {
    await this.redis.hset(this.keys.settings, settingField(scope, id, name), value);
  }
}
