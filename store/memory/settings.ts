import type { Settings } from '../ports.js';
import { settingField } from '../setting-field.js';
import type { MemoryData } from './memory-data.js';

export class MemorySettings implements Settings {
  constructor(private readonly data: MemoryData) {}

  async get(scope: 'channel' | 'user', id: string, name: string): Promise<string | null> {
    return this.data.settings.get(settingField(scope, id, name)) ?? null;
  }

  async set(scope: 'channel' | 'user', id: string, name: string, value: string): Promise<void> {
    this.data.settings.set(settingField(scope, id, name), value);
  }
}
