/**
 * The narrow interfaces the bot and the runner talk to. Each has a Redis implementation
 * (store/redis/) and an in-memory one (store/memory/) for the demo; both pass the same contract
 * tests (test/store-contract.test.ts). Values are plain JSON-able objects.
 */

/** A stored run with the version used for compare-and-set. */
export interface Versioned<T> {
  readonly value: T;
  readonly version: number;
}

/** Something to do after a state change, kept durably until done (transactional outbox). */
export interface QueuedEffect {
  /** unique per effect; used to make execution idempotent */
  readonly id: string;
  readonly payload: Record<string, unknown>;
}

/** Effects are split in two ordered queues so a Slack outage never holds back a job or timer. */
export type EffectQueue = 'slack' | 'control';

export interface RunStore {
  /** Creates the run at version 1 with its first effects. False when the id exists. */
  create(runId: string, run: object, effects: Record<EffectQueue, QueuedEffect[]>): Promise<boolean>;
  get<T>(runId: string): Promise<Versioned<T> | null>;
  /**
   * Atomically: if the stored version equals `expectedVersion`, write `run` as version + 1 and
   * append `effects` to the run's queues. False (and nothing written) otherwise.
   */
  commit(runId: string, run: object, expectedVersion: number, effects: Record<EffectQueue, QueuedEffect[]>): Promise<boolean>;
  /** Oldest pending effect of one queue, without removing it. */
  peekEffect(runId: string, queue: EffectQueue): Promise<QueuedEffect | null>;
  /** Removes the oldest effect when its id is `effectId` (so two executors cannot pop twice). */
  popEffect(runId: string, queue: EffectQueue, effectId: string): Promise<boolean>;
  /** Runs that have effects waiting, with the earliest time each queue may be tried again. */
  runsWithEffects(now: number, limit: number): Promise<Array<{ runId: string; queue: EffectQueue }>>;
  /** Defers a queue after a failure (e.g. Slack 429 Retry-After). */
  deferEffects(runId: string, queue: EffectQueue, until: number): Promise<void>;
  /** Ids of runs not yet finished. */
  listActive(): Promise<string[]>;
  /** Takes the run out of the active set; its state and output expire after `retentionMs`. */
  finish(runId: string, server: string, retentionMs: number): Promise<void>;
  /** Newest-first run ids for a server (bounded). */
  history(server: string, limit: number): Promise<string[]>;
  addHistory(server: string, runId: string): Promise<void>;
  /** Full output of one step attempt, capped at `maxLines` (oldest dropped). */
  appendOutput(runId: string, key: string, lines: string[], maxLines: number): Promise<void>;
  readOutput(runId: string, key: string): Promise<string[]>;
  /** Small per-run map for Slack message timestamps and similar references. */
  setRef(runId: string, name: string, value: string): Promise<void>;
  getRefs(runId: string): Promise<Record<string, string>>;
}

export interface LockGrant {
  readonly runId: string;
  /** strictly increasing per server: a stale holder's token is always smaller */
  readonly token: number;
}

export interface ServerLocks {
  /** Takes the server for a run; null when another run holds it. */
  acquire(server: string, runId: string): Promise<LockGrant | null>;
  holder(server: string): Promise<LockGrant | null>;
  /** Releases only when runId and token match the current holder. */
  release(server: string, grant: LockGrant): Promise<boolean>;
}

export interface DueTimer {
  readonly runId: string;
  readonly name: string;
  readonly dueAt: number;
}

export interface Timers {
  /** Sets or moves a named timer of a run. */
  schedule(runId: string, name: string, dueAt: number): Promise<void>;
  cancel(runId: string, name: string): Promise<void>;
  /**
   * Returns timers due at `now`; each is returned to exactly one caller. Without a lease they are
   * removed. With `leaseMs` they stay, due again at now + leaseMs, so a timer whose claimer dies
   * before firing it is not lost; the claimer calls `settle` once it has fired.
   */
  claimDue(now: number, limit: number, leaseMs?: number): Promise<DueTimer[]>;
  /** Removes a timer claimed with a lease, unless it was scheduled again since (its due time moved). */
  settle(runId: string, name: string, leasedUntil: number): Promise<void>;
}

export interface StreamEntry {
  readonly id: string;
  /** the raw JSON text of the entry's message field: untrusted until parsed and verified */
  readonly raw: string;
}

/** The bot's side of the job bus. */
export interface BotBus {
  sendJob(server: string, message: object): Promise<string>;
  /** New results for this consumer group member; pending (unacked) ones first after a restart. */
  readResults(consumer: string, blockMs: number, count: number): Promise<StreamEntry[]>;
  ackResult(id: string): Promise<void>;
  /** Re-claims results left pending by a consumer that died (idle longer than minIdleMs). */
  claimStaleResults(consumer: string, minIdleMs: number, count: number): Promise<StreamEntry[]>;
}

/** The runner's side of the job bus. */
export interface RunnerBus {
  /** Jobs for this server: entries delivered but not acked first, then new ones. */
  readJobs(server: string, consumer: string, blockMs: number): Promise<StreamEntry[]>;
  ackJob(server: string, id: string): Promise<void>;
  publishResult(message: object): Promise<string>;
}

export interface RunnerInfo {
  readonly server: string;
  readonly runnerId: string;
  readonly version: string;
  readonly startedAt: number;
  readonly heartbeatAt: number;
  /** job the runner is executing now, if any */
  readonly busyJobId: string | null;
  /** the last facts it detected (JSON object), or null */
  readonly facts: Record<string, unknown> | null;
}

export interface RunnerDirectory {
  heartbeat(info: RunnerInfo): Promise<void>;
  get(server: string): Promise<RunnerInfo | null>;
  list(): Promise<RunnerInfo[]>;
}

/** Marks ids seen once (Slack retries, double clicks). */
export interface Dedupe {
  /** True the first time an id is seen within ttlMs, false afterwards. */
  firstTime(id: string, ttlMs: number): Promise<boolean>;
  /** Removes the mark, so the id counts as unseen again (releases an effect lease early). */
  forget(id: string): Promise<void>;
}

/**
 * Paces writes to one Slack channel across every bot replica: Slack accepts about one message a
 * second per channel, with short bursts. A generic cell rate algorithm: one key per channel.
 */
export interface ChannelPacer {
  /**
   * Takes a write slot for `channel` when one is free at `now` and returns 0; otherwise takes
   * nothing and returns how many ms until one is. `intervalMs` per write, `burst` writes at once.
   */
  take(channel: string, now: number, intervalMs: number, burst: number): Promise<number>;
}

export interface AuditEntry {
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly runId: string | null;
  readonly planHash: string | null;
  readonly detail: Record<string, unknown>;
}

export interface ChainedAuditEntry extends AuditEntry {
  readonly seq: number;
  /** SHA-256 of the previous entry's hash and this entry's canonical JSON */
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditLog {
  /** Appends atomically after the current head; returns the chained entry. */
  append(entry: AuditEntry): Promise<ChainedAuditEntry>;
  /** All entries, oldest first (optionally only one run's). */
  read(runId?: string): Promise<ChainedAuditEntry[]>;
}

export interface Settings {
  get(scope: 'channel' | 'user', id: string, name: string): Promise<string | null>;
  set(scope: 'channel' | 'user', id: string, name: string, value: string): Promise<void>;
}

/** Everything a process needs, built once at start and closed at shutdown. */
export interface Stores {
  readonly runs: RunStore;
  readonly locks: ServerLocks;
  readonly timers: Timers;
  readonly botBus: BotBus;
  readonly runnerBus: RunnerBus;
  readonly runners: RunnerDirectory;
  readonly dedupe: Dedupe;
  readonly pacer: ChannelPacer;
  readonly audit: AuditLog;
  readonly settings: Settings;
  close(): Promise<void>;
}
