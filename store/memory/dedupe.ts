import type { Dedupe } from '../ports.js';
import type { MemoryData } from './memory-data.js';

/** sweep expired marks once the map grows past this, so it stays bounded without a timer */
const SWEEP_AT = 10_000;

export class MemoryDedupe implements Dedupe {
  constructor(
    private readonly data: MemoryData,
    private readonly now: () => number = Date.now,
  ) {}

  async firstTime(id: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    const until = this.data.seen.get(id);
    if (until !== undefined && until > now) return false;
    if (this.data.seen.size >= SWEEP_AT) {
      for (const [k, t] of this.data.seen) if (t <= now) this.data.seen.delete(k);
    }
    this.data.seen.set(id, now + Math.max(1, Math.floor(ttlMs)));
    return true;
  }

  async forget(id: string): Promise<void> {
    this.data.seen.delete(id);
  }
}
