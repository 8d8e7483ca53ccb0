import type { ChannelPacer } from '../ports.js';
import { nextPace } from '../pace.js';
import type { MemoryData } from './memory-data.js';

/** drop channels whose budget is full again once the map grows past this */
const SWEEP_AT = 1000;

export class MemoryChannelPacer implements ChannelPacer {
  constructor(private readonly data: MemoryData) {}

  async take(channel: string, now: number, intervalMs: number, burst: number): Promise<number> {
    if (intervalMs <= 0) return 0;
    if (this.data.paces.size >= SWEEP_AT) for (const [c, t] of this.data.paces) if (t <= now) this.data.paces.delete(c);
    const { wait, tat } = nextPace(this.data.paces.get(channel) ?? 0, now, intervalMs, burst);
    if (wait === 0) this.data.paces.set(channel, tat);
    return wait;
  }
}
