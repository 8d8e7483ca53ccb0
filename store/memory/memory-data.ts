import type { EffectQueue, LockGrant } from '../ports.js';
import { MemoryStream } from './memory-stream.js';

/** Everything kept for one run; the whole record expires together once the run is finished. */
export interface RunRecord {
  /** encoded like the Redis document (store/effect-codec.ts); null before create */
  doc: string | null;
  outbox: Record<EffectQueue, string[]>;
  outputs: Map<string, string[]>;
  refs: Map<string, string>;
  /** ms epoch, set by finish() */
  expiresAt: number | null;
}

/**
 * The state behind the in-memory stores. Several store instances may share one (what a process
 * restart looks like in tests and the demo: the data survives, the instance's readers do not).
 */
export interface MemoryData {
  readonly runs: Map<string, RunRecord>;
  /** "<runId>|<queue>" -> next attempt time, like the Redis outbox-ready sorted set */
  readonly ready: Map<string, number>;
  readonly active: Set<string>;
  readonly history: Map<string, string[]>;
  readonly locks: Map<string, LockGrant>;
  readonly fences: Map<string, number>;
  /** "<runId>|<name>" -> due time */
  readonly timers: Map<string, number>;
  readonly streams: Map<string, MemoryStream>;
  /** server -> runner hash fields (store/runner-fields.ts) */
  readonly runners: Map<string, Record<string, string>>;
  /** id -> expiry time */
  readonly seen: Map<string, number>;
  /** channel -> theoretical arrival time of its next write (ChannelPacer) */
  readonly paces: Map<string, number>;
  /** chained entries as JSON, oldest first */
  readonly audit: string[];
  readonly settings: Map<string, string>;
}

export function createMemoryData(): MemoryData {
  return {
    runs: new Map(),
    ready: new Map(),
    active: new Set(),
    history: new Map(),
    locks: new Map(),
    fences: new Map(),
    timers: new Map(),
    streams: new Map(),
    runners: new Map(),
    seen: new Map(),
    paces: new Map(),
    audit: [],
    settings: new Map(),
  };
}

export function streamOf(data: MemoryData, name: string): MemoryStream {
  let s = data.streams.get(name);
  if (!s) {
    s = new MemoryStream();
    data.streams.set(name, s);
  }
  return s;
}

/** Readers currently waiting on any stream (tests wait for this before sending). */
export function blockedReaders(data: MemoryData): number {
  let n = 0;
  for (const s of data.streams.values()) n += s.events.listenerCount('entry');
  return n;
}

/** Stream names, mirroring core/keys.ts without the prefix. */
export const JOBS_STREAM = (server: string): string => `jobs:${server}`;
export const RESULTS_STREAM = 'results';

/** Sorts like a Redis sorted set: by score, then by member. */
export function byScoreThenMember(a: [string, number], b: [string, number]): number {
  return a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
}
