import type { Redis } from 'ioredis';
import type { KeyRegistry } from '../../core/keys.js';
import type { EffectQueue, QueuedEffect, RunStore, Versioned } from '../ports.js';
import { HISTORY_MAX } from '../limits.js';
import {
  EFFECT_QUEUES, decodeEffect, decodeRun, effectPrefix, encodeEffect, encodeRun, parseReadyMember, readyMember,
} from '../effect-codec.js';
import { EffectIndex } from './effect-index.js';
import { LuaScript } from './lua-script.js';
import { APPEND_OUTPUT } from './lua/append-output.js';
import { COMMIT_RUN } from './lua/commit-run.js';
import { CREATE_RUN } from './lua/create-run.js';
import { POP_EFFECT } from './lua/pop-effect.js';

const createRun = new LuaScript(CREATE_RUN);
const commitRun = new LuaScript(COMMIT_RUN);
const popEffect = new LuaScript(POP_EFFECT);
const appendOutput = new LuaScript(APPEND_OUTPUT);

/**
 * Runs as versioned JSON documents with a transactional outbox: a state change and the effects
 * it causes are written by one script on the run's own slot ({run:…}).
 */
export class RedisRunStore implements RunStore {
  private readonly index: EffectIndex;

  constructor(
    private readonly redis: Redis,
    private readonly keys: KeyRegistry,
    private readonly now: () => number = Date.now,
  ) {
    this.index = new EffectIndex(redis, keys);
  }

  async create(runId: string, run: object, effects: Record<EffectQueue, QueuedEffect[]>): Promise<boolean> {
    const queues = nonEmptyQueues(effects);
    await this.index.add(runId, queues, this.now());
    const created = await createRun.run(this.redis, this.runKeys(runId), [encodeRun(1, run), ...effectArgs(effects)]);
    if (created !== 1) return false;
    await this.redis.sadd(this.keys.activeRuns, runId);
    await this.index.add(runId, queues, this.now());
    return true;
  }

  async get<T>(runId: string): Promise<Versioned<T> | null> {
    const text = await this.redis.get(this.keys.run(runId));
    return text === null ? null : decodeRun<T>(text);
  }

  async commit(
    runId: string, run: object, expectedVersion: number, effects: Record<EffectQueue, QueuedEffect[]>,
  ): Promise<boolean> {
    if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 1) return false;
    const queues = nonEmptyQueues(effects);
    await this.index.add(runId, queues, this.now());
    const doc = encodeRun(expectedVersion + 1, run);
    const ok = await commitRun.run(this.redis, this.runKeys(runId), [String(expectedVersion), doc, ...effectArgs(effects)]);
    if (ok !== 1) return false;
    await this.index.add(runId, queues, this.now());
    return true;
  }

  async peekEffect(runId: string, queue: EffectQueue): Promise<QueuedEffect | null> {
    const head = await this.redis.lindex(this.keys.outbox(runId, queue), 0);
    return head === null ? null : decodeEffect(head);
  }

  async popEffect(runId: string, queue: EffectQueue, effectId: string): Promise<boolean> {
    const left = await popEffect.run(this.redis, [this.keys.outbox(runId, queue)], [effectPrefix(effectId)]);
    if (typeof left !== 'number' || left < 0) return false;
    if (left === 0) await this.index.removeIfEmpty(runId, queue, this.now());
    return true;
  }

  async runsWithEffects(now: number, limit: number): Promise<Array<{ runId: string; queue: EffectQueue }>> {
    if (limit < 1) return [];
    const members = await this.redis.zrangebyscore(this.keys.outboxReady, '-inf', now, 'LIMIT', 0, Math.floor(limit));
    const candidates = members.map(parseReadyMember).filter((c) => c !== null);
    if (candidates.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const c of candidates) pipe.llen(this.keys.outbox(c.runId, c.queue));
    const lengths = (await pipe.exec()) ?? [];
    const ready: Array<{ runId: string; queue: EffectQueue }> = [];
    for (const [i, c] of candidates.entries()) {
      const [err, len] = lengths[i] ?? [null, 0];
      if (err) throw err;
      if (typeof len === 'number' && len > 0) ready.push(c);
      else await this.index.removeIfEmpty(c.runId, c.queue, now);
    }
    return ready;
  }

  async deferEffects(runId: string, queue: EffectQueue, until: number): Promise<void> {
    await this.redis.zadd(this.keys.outboxReady, until, readyMember(runId, queue));
  }

  async listActive(): Promise<string[]> {
    return this.redis.smembers(this.keys.activeRuns);
  }

  /**
   * Pending effects are kept (a run's last Slack update is usually still queued when it
   * finishes); they expire with the run. `server` names the history list, trimmed here too.
   */
  async finish(runId: string, server: string, retentionMs: number): Promise<void> {
    const ttl = Math.max(1, Math.floor(retentionMs));
    const outputs = await this.redis.smembers(this.keys.outputs(runId));
    const pipe = this.redis.pipeline().srem(this.keys.activeRuns, runId);
    for (const key of [...this.runKeys(runId), this.keys.refs(runId), this.keys.outputs(runId), ...outputs]) {
      pipe.pexpire(key, ttl);
    }
    pipe.ltrim(this.keys.history(server), 0, HISTORY_MAX - 1);
    await execOrThrow(pipe.exec());
  }

  async history(server: string, limit: number): Promise<string[]> {
    if (limit < 1) return [];
    return this.redis.lrange(this.keys.history(server), 0, Math.min(limit, HISTORY_MAX) - 1);
  }

  /** Newest first; adding a run again moves it to the front instead of listing it twice. */
  async addHistory(server: string, runId: string): Promise<void> {
    const key = this.keys.history(server);
    await execOrThrow(this.redis.multi().lrem(key, 0, runId).lpush(key, runId).ltrim(key, 0, HISTORY_MAX - 1).exec());
  }

  async appendOutput(runId: string, key: string, lines: string[], maxLines: number): Promise<void> {
    if (!Number.isSafeInteger(maxLines) || maxLines < 1) throw new RangeError(`maxLines must be a positive integer, got ${maxLines}`);
    if (lines.length === 0) return;
    const keys = [this.keys.run(runId), this.keys.output(runId, key), this.keys.outputs(runId)];
    await appendOutput.run(this.redis, keys, [maxLines, ...lines]);
  }

  async readOutput(runId: string, key: string): Promise<string[]> {
    return this.redis.lrange(this.keys.output(runId, key), 0, -1);
  }

  async setRef(runId: string, name: string, value: string): Promise<void> {
    await this.redis.hset(this.keys.refs(runId), name, value);
  }

  async getRefs(runId: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.refs(runId));
  }

  /** run document and the two outbox lists, in the order the scripts expect */
  private runKeys(runId: string): string[] {
    return [this.keys.run(runId), ...EFFECT_QUEUES.map((q) => this.keys.outbox(runId, q))];
  }
}

function nonEmptyQueues(effects: Record<EffectQueue, QueuedEffect[]>): EffectQueue[] {
  return EFFECT_QUEUES.filter((q) => (effects[q] ?? []).length > 0);
}

/** n = number of slack effects, then the slack effects, then the control effects */
function effectArgs(effects: Record<EffectQueue, QueuedEffect[]>): string[] {
  const slack = (effects.slack ?? []).map(encodeEffect);
  const control = (effects.control ?? []).map(encodeEffect);
  return [String(slack.length), ...slack, ...control];
}

async function execOrThrow(done: Promise<Array<[Error | null, unknown]> | null>): Promise<void> {
  for (const [err] of (await done) ?? []) if (err) throw err;
}
