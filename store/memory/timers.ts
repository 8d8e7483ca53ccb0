import type { DueTimer, Timers } from '../ports.js';
import { parseTimerMember, timerMember } from '../timer-member.js';
import type { MemoryData } from './memory-data.js';
import { byScoreThenMember } from './memory-data.js';

export class MemoryTimers implements Timers {
  constructor(private readonly data: MemoryData) {}

  async schedule(runId: string, name: string, dueAt: number): Promise<void> {
    this.data.timers.set(timerMember(runId, name), dueAt);
  }

  async cancel(runId: string, name: string): Promise<void> {
    this.data.timers.delete(timerMember(runId, name));
  }

  async claimDue(now: number, limit: number, leaseMs = 0): Promise<DueTimer[]> {
    const due = [...this.data.timers].filter(([, at]) => at <= now).sort(byScoreThenMember).slice(0, Math.max(0, limit));
    const out: DueTimer[] = [];
    for (const [member, at] of due) {
      if (leaseMs > 0) this.data.timers.set(member, now + leaseMs);
      else this.data.timers.delete(member);
      const t = parseTimerMember(member, at);
      if (t) out.push(t);
    }
    return out;
  }

  async settle(runId: string, name: string, leasedUntil: number): Promise<void> {
    const member = timerMember(runId, name);
    if (this.data.timers.get(member) === leasedUntil) this.data.timers.delete(member);
  }
}
