import { EventEmitter } from 'node:events';
import type { StreamEntry } from '../ports.js';

interface PendingEntry {
  consumer: string;
  deliveredAt: number;
}

interface GroupState {
  /** ordinal of the last entry handed out with '>' (0 = none, like a group created at id 0) */
  lastDelivered: number;
  /** delivered and not acked, in id order (Map keeps insertion order; claims keep the slot) */
  pending: Map<string, PendingEntry>;
}

interface StoredEntry extends StreamEntry {
  readonly ord: number;
}

/**
 * A stream with consumer groups, behaving like the Redis commands the Redis stores use
 * (XADD MAXLEN ~, XREADGROUP 0 / '>', XACK, XAUTOCLAIM). Trimming drops an entry from every
 * pending list, as the Redis readers do when they meet a trimmed pending entry. Like `MAXLEN ~`
 * it trims in batches (up to 1% over the cap), so a full stream does not copy itself on every add.
 */
export class MemoryStream {
  /** emits 'entry' on every add; blocked readers wait for it */
  readonly events = new EventEmitter();
  /** ordinals are consecutive and trimming only drops the oldest, so ord - first ord = index */
  private entries: StoredEntry[] = [];
  private readonly byId = new Map<string, StoredEntry>();
  private readonly groups = new Map<string, GroupState>();
  private ord = 0;
  private lastMs = 0;
  private lastSeq = 0;

  constructor() {
    // one listener per blocked reader; many readers are normal, not a leak
    this.events.setMaxListeners(0);
  }

  add(raw: string, maxLen: number, now: number = Date.now()): string {
    if (now > this.lastMs) {
      this.lastMs = now;
      this.lastSeq = 0;
    } else {
      this.lastSeq += 1;
    }
    const id = `${this.lastMs}-${this.lastSeq}`;
    const entry = { id, raw, ord: ++this.ord };
    this.entries.push(entry);
    this.byId.set(id, entry);
    if (this.entries.length > maxLen + Math.floor(maxLen / 100)) this.trim(this.entries.length - maxLen);
    this.events.emit('entry');
    return id;
  }

  all(): StreamEntry[] {
    return this.entries.map(({ id, raw }) => ({ id, raw }));
  }

  readPending(group: string, consumer: string, count: number): StreamEntry[] {
    const out: StreamEntry[] = [];
    const g = this.group(group);
    for (const [id, p] of g.pending) {
      if (out.length >= count) break;
      if (p.consumer !== consumer) continue;
      const e = this.find(id);
      if (e) out.push({ id, raw: e.raw });
    }
    return out;
  }

  readNew(group: string, consumer: string, count: number, now: number = Date.now()): StreamEntry[] {
    const g = this.group(group);
    const out: StreamEntry[] = [];
    // index of the first undelivered entry (0 when the group's last one was trimmed away)
    const from = Math.max(0, g.lastDelivered + 1 - (this.entries[0]?.ord ?? 0));
    for (const e of this.entries.slice(from, from + Math.max(0, count))) {
      g.lastDelivered = e.ord;
      g.pending.set(e.id, { consumer, deliveredAt: now });
      out.push({ id: e.id, raw: e.raw });
    }
    return out;
  }

  ack(group: string, id: string): void {
    this.group(group).pending.delete(id);
  }

  /** Moves entries idle for at least minIdleMs (any consumer's, the caller's too) to `consumer`. */
  autoClaim(group: string, consumer: string, minIdleMs: number, count: number, now: number = Date.now()): StreamEntry[] {
    const out: StreamEntry[] = [];
    for (const [id, p] of this.group(group).pending) {
      if (out.length >= count) break;
      if (now - p.deliveredAt < minIdleMs) continue;
      const e = this.find(id);
      if (!e) continue;
      p.consumer = consumer;
      p.deliveredAt = now;
      out.push({ id, raw: e.raw });
    }
    return out;
  }

  private group(name: string): GroupState {
    let g = this.groups.get(name);
    if (!g) {
      g = { lastDelivered: 0, pending: new Map() };
      this.groups.set(name, g);
    }
    return g;
  }

  private find(id: string): StoredEntry | undefined {
    return this.byId.get(id);
  }

  private trim(n: number): void {
    const dropped = this.entries.slice(0, n);
    this.entries = this.entries.slice(n);
    for (const e of dropped) {
      this.byId.delete(e.id);
      for (const g of this.groups.values()) g.pending.delete(e.id);
    }
  }
}
