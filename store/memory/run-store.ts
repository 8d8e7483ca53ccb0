import type { EffectQueue, QueuedEffect, RunStore, Versioned } from '../ports.js';
import { HISTORY_MAX } from '../limits.js';
import {
  EFFECT_QUEUES, decodeEffect, decodeRun, encodeEffect, encodeRun, parseReadyMember, readyMember,
} from '../effect-codec.js';
import type { MemoryData, RunRecord } from './memory-data.js';
import { byScoreThenMember } from './memory-data.js';

/** RunStore over plain maps; every method runs to completion synchronously, hence atomically. */
export class MemoryRunStore implements RunStore {
  constructor(
    private readonly data: MemoryData,
    private readonly now: () => number = Date.now,
  ) {}

  async create(runId: string, run: object, effects: Record<EffectQueue, QueuedEffect[]>): Promise<boolean> {
    const rec = this.record(runId, true);
    if (rec.doc !== null) return false;
    rec.doc = encodeRun(1, run);
    this.push(runId, rec, effects);
    this.data.active.add(runId);
    return true;
  }

  async get<T>(runId: string): Promise<Versioned<T> | null> {
    const doc = this.record(runId, false)?.doc;
    return doc ? decodeRun<T>(doc) : null;
  }

  async commit(
    runId: string, run: object, expectedVersion: number, effects: Record<EffectQueue, QueuedEffect[]>,
  ): Promise<boolean> {
    const rec = this.record(runId, false);
    if (!rec?.doc || decodeRun(rec.doc).version !== expectedVersion) return false;
    rec.doc = encodeRun(expectedVersion + 1, run);
    this.push(runId, rec, effects);
    return true;
  }

  async peekEffect(runId: string, queue: EffectQueue): Promise<QueuedEffect | null> {
    const head = this.record(runId, false)?.outbox[queue][0];
    return head === undefined ? null : decodeEffect(head);
  }

  async popEffect(runId: string, queue: EffectQueue, effectId: string): Promise<boolean> {
    const list = this.record(runId, false)?.outbox[queue];
    const head = list?.[0];
    if (!list || head === undefined || decodeEffect(head).id !== effectId) return false;
    list.shift();
    if (list.length === 0) this.data.ready.delete(readyMember(runId, queue));
    return true;
  }

  async runsWithEffects(now: number, limit: number): Promise<Array<{ runId: string; queue: EffectQueue }>> {
    const due = [...this.data.ready].filter(([, at]) => at <= now).sort(byScoreThenMember).slice(0, Math.max(0, limit));
    const out: Array<{ runId: string; queue: EffectQueue }> = [];
    for (const [member] of due) {
      const c = parseReadyMember(member);
      if (c && (this.record(c.runId, false)?.outbox[c.queue].length ?? 0) > 0) out.push(c);
      else this.data.ready.delete(member); // its run expired: prune, as the Redis store does
    }
    return out;
  }

  async deferEffects(runId: string, queue: EffectQueue, until: number): Promise<void> {
    this.data.ready.set(readyMember(runId, queue), until);
  }

  async listActive(): Promise<string[]> {
    return [...this.data.active];
  }

  async finish(runId: string, server: string, retentionMs: number): Promise<void> {
    this.data.active.delete(runId);
    const rec = this.record(runId, false);
    if (rec) rec.expiresAt = this.now() + Math.max(1, Math.floor(retentionMs));
    this.data.history.get(server)?.splice(HISTORY_MAX);
  }

  async history(server: string, limit: number): Promise<string[]> {
    return (this.data.history.get(server) ?? []).slice(0, Math.max(0, Math.min(limit, HISTORY_MAX)));
  }

  async addHistory(server: string, runId: string): Promise<void> {
    const list = (this.data.history.get(server) ?? []).filter((id) => id !== runId);
    list.unshift(runId);
    this.data.history.set(server, list.slice(0, HISTORY_MAX));
  }

  async appendOutput(runId: string, key: string, lines: string[], maxLines: number): Promise<void> {
    if (!Number.isSafeInteger(maxLines) || maxLines < 1) throw new RangeError(`maxLines must be a positive integer, got ${maxLines}`);
    if (lines.length === 0) return;
    const outputs = this.record(runId, true).outputs;
    const list = [...(outputs.get(key) ?? []), ...lines];
    outputs.set(key, list.slice(-maxLines));
  }

  async readOutput(runId: string, key: string): Promise<string[]> {
    return [...(this.record(runId, false)?.outputs.get(key) ?? [])];
  }

  async setRef(runId: string, name: string, value: string): Promise<void> {
    this.record(runId, true).refs.set(name, value);
  }

  async getRefs(runId: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.record(runId, false)?.refs ?? []);
  }

  /** The run's record, dropping it first when its retention has passed. */
  private record(runId: string, create: true): RunRecord;
  private record(runId: string, create: false): RunRecord | undefined;
  private record(runId: string, create: boolean): RunRecord | undefined {
    let rec = this.data.runs.get(runId);
    if (rec?.expiresAt != null && rec.expiresAt <= this.now()) {
      this.data.runs.delete(runId);
      rec = undefined;
    }
    if (!rec && create) {
      rec = { doc: null, outbox: { slack: [], control: [] }, outputs: new Map(), refs: new Map(), expiresAt: null };
      this.data.runs.set(runId, rec);
    }
    return rec;
  }

  private push(runId: string, rec: RunRecord, effects: Record<EffectQueue, QueuedEffect[]>): void {
    for (const q of EFFECT_QUEUES) {
      const list = effects[q] ?? [];
      if (list.length === 0) continue;
      rec.outbox[q].push(...list.map(encodeEffect));
      const member = readyMember(runId, q);
      if (!this.data.ready.has(member)) this.data.ready.set(member, this.now());
    }
  }
}
