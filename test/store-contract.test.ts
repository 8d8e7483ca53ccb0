import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createMemoryStores } from '../store/memory/create-memory-stores.js';
import { blockedReaders, createMemoryData } from '../store/memory/memory-data.js';
import { createRedisStores } from '../store/redis/create-redis-stores.js';
import { GENESIS_HASH, chainHash, findChainBreak } from '../store/audit-chain.js';
import { HISTORY_MAX, JOBS_MAXLEN, JOB_READ_COUNT } from '../store/limits.js';
import type { AuditEntry, EffectQueue, QueuedEffect, RunnerInfo, Stores } from '../store/ports.js';
import { TEST_REDIS_URL, cleanupPrefix, testPrefix } from './helpers/redis.js';

/**
 * One contract for both store implementations. Each "namespace" is an isolated data set (a
 * Redis key prefix, or one in-memory state); opening it twice models a process restart.
 */
interface Namespace {
  open(): Stores;
  /** resolves once a read of this namespace is blocked waiting for entries */
  untilBlocked(): Promise<void>;
  /** remaining retention of a run's document and one of its output lists; null = none */
  retention(runId: string, outputKey: string): Promise<{ run: number | null; output: number | null }>;
}

interface Impl {
  namespace(): Namespace;
  /** closes every store it opened and removes all data */
  dispose(): Promise<void>;
}

function redisImpl(): Impl {
  const admin = new Redis(TEST_REDIS_URL, { protocol: 2 });
  const prefixes: string[] = [];
  const opened: Stores[] = [];
  return {
    namespace() {
      const prefix = testPrefix();
      const connectionName = `test-${prefix}`;
      prefixes.push(prefix);
      return {
        open() {
          const stores = createRedisStores({ redisUrl: TEST_REDIS_URL, prefix, connectionName });
          opened.push(stores);
          return stores;
        },
        untilBlocked: () =>
          waitUntil(async () => {
            const clients = String(await admin.client('LIST')).split('\n');
            return clients.some((c) => c.includes(` name=${connectionName}:block `) && c.includes(' cmd=xreadgroup') && / flags=\S*b/.test(c));
          }),
        async retention(runId, outputKey) {
          const ttl = (ms: number): number | null => (ms < 0 ? null : ms);
          const run = await admin.pttl(`${prefix}:{run:${runId}}`);
          const output = await admin.pttl(`${prefix}:{run:${runId}}:out:${outputKey}`);
          return { run: ttl(run), output: ttl(output) };
        },
      };
    },
    async dispose() {
      await Promise.all(opened.map((s) => s.close()));
      for (const p of prefixes) await cleanupPrefix(admin, p);
      await admin.quit();
    },
  };
}

function memoryImpl(): Impl {
  const opened: Stores[] = [];
  return {
    namespace() {
      const data = createMemoryData();
      return {
        open() {
          const stores = createMemoryStores({ data });
          opened.push(stores);
          return stores;
        },
        untilBlocked: () => waitUntil(async () => blockedReaders(data) > 0),
        async retention(runId, outputKey) {
          const rec = data.runs.get(runId);
          const left = rec?.expiresAt == null ? null : rec.expiresAt - Date.now();
          return { run: rec?.doc ? left : null, output: rec?.outputs.has(outputKey) ? left : null };
        },
      };
    },
    async dispose() {
      await Promise.all(opened.map((s) => s.close()));
    },
  };
}

/** Polls a condition (a wait, not an assertion: the test's own timeout is the only limit). */
async function waitUntil(cond: () => Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 5));
}

const uid = (): string => randomUUID().replace(/-/g, '').slice(0, 12);
const fx = (id: string): QueuedEffect => ({ id, payload: { id, nested: { n: 1 } } });
const effects = (slack: string[] = [], control: string[] = []): Record<EffectQueue, QueuedEffect[]> => ({
  slack: slack.map(fx),
  control: control.map(fx),
});
const ids = (list: ReadonlyArray<{ id: string }>): string[] => list.map((e) => e.id);
const mine = (runId: string, list: Array<{ runId: string; queue: EffectQueue }>): EffectQueue[] =>
  list.filter((r) => r.runId === runId).map((r) => r.queue);

describe.each([
  ['redis', redisImpl],
  ['memory', memoryImpl],
] as const)('%s stores', (_name, makeImpl) => {
  let impl: Impl;
  let ns: Namespace;
  let s: Stores;

  beforeAll(() => {
    impl = makeImpl();
    ns = impl.namespace();
    s = ns.open();
  });

  afterAll(async () => {
    await impl.dispose();
  });

  describe('runs', () => {
    it('creates at version 1, refuses a second create, returns null for unknown runs', async () => {
      const runId = uid();
      expect(await s.runs.create(runId, { step: 0 }, effects())).toBe(true);
      expect(await s.runs.create(runId, { step: 99 }, effects(['x']))).toBe(false);
      expect(await s.runs.get(runId)).toEqual({ value: { step: 0 }, version: 1 });
      expect(await s.runs.peekEffect(runId, 'slack')).toBeNull();
      expect(await s.runs.get(uid())).toBeNull();
      expect(await s.runs.listActive()).toContain(runId);
    });

    it('commits with the current version and refuses a stale one without writing anything', async () => {
      const runId = uid();
      await s.runs.create(runId, { step: 0 }, effects());
      expect(await s.runs.commit(runId, { step: 1 }, 1, effects(['a']))).toBe(true);
      expect(await s.runs.commit(runId, { step: 'stale' }, 1, effects(['stale'], ['stale']))).toBe(false);
      expect(await s.runs.get(runId)).toEqual({ value: { step: 1 }, version: 2 });
      expect(await s.runs.peekEffect(runId, 'slack')).toEqual(fx('a'));
      expect(await s.runs.popEffect(runId, 'slack', 'a')).toBe(true);
      expect(await s.runs.peekEffect(runId, 'slack')).toBeNull();
      expect(await s.runs.peekEffect(runId, 'control')).toBeNull();
      expect(await s.runs.commit(uid(), { step: 1 }, 1, effects(['a']))).toBe(false);
    });

    it('lets exactly one of two concurrent commits with the same version win', async () => {
      const runId = uid();
      const other = ns.open();
      await s.runs.create(runId, { step: 0 }, effects());
      const [a, b] = await Promise.all([
        s.runs.commit(runId, { by: 'a' }, 1, effects(['from-a'])),
        other.runs.commit(runId, { by: 'b' }, 1, effects(['from-b'])),
      ]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      const winner = a ? 'a' : 'b';
      expect(await s.runs.get(runId)).toEqual({ value: { by: winner }, version: 2 });
      expect(await s.runs.peekEffect(runId, 'slack')).toEqual(fx(`from-${winner}`));
      expect(await s.runs.popEffect(runId, 'slack', `from-${winner}`)).toBe(true);
      expect(await s.runs.peekEffect(runId, 'slack')).toBeNull();
    });

    it('keeps effects in order per queue and pops only the head by id', async () => {
      const runId = uid();
      await s.runs.create(runId, {}, effects(['s1', 's2'], ['c1']));
      await s.runs.commit(runId, {}, 1, effects(['s3'], ['c2']));
      expect(await s.runs.popEffect(runId, 'slack', 's2')).toBe(false);
      expect(await s.runs.popEffect(runId, 'slack', 'c1')).toBe(false);
      const order: string[] = [];
      for (let e = await s.runs.peekEffect(runId, 'slack'); e; e = await s.runs.peekEffect(runId, 'slack')) {
        order.push(e.id);
        expect(await s.runs.popEffect(runId, 'slack', e.id)).toBe(true);
        expect(await s.runs.popEffect(runId, 'slack', e.id)).toBe(false);
      }
      expect(order).toEqual(['s1', 's2', 's3']);
      expect(await s.runs.peekEffect(runId, 'control')).toEqual(fx('c1'));
    });

    it('lists runs with effects, honours deferral, and forgets emptied queues', async () => {
      const runId = uid();
      const now = Date.now();
      await s.runs.create(runId, {}, effects(['s1'], ['c1']));
      expect(mine(runId, await s.runs.runsWithEffects(now + 1000, 1000)).sort()).toEqual(['control', 'slack']);

      await s.runs.deferEffects(runId, 'slack', now + 60_000);
      expect(mine(runId, await s.runs.runsWithEffects(now + 1000, 1000))).toEqual(['control']);
      expect(mine(runId, await s.runs.runsWithEffects(now + 60_000, 1000)).sort()).toEqual(['control', 'slack']);
      // a commit does not undo a deferral (Slack asked us to wait)
      await s.runs.commit(runId, {}, 1, effects(['s2']));
      expect(mine(runId, await s.runs.runsWithEffects(now + 1000, 1000))).toEqual(['control']);

      await s.runs.popEffect(runId, 'control', 'c1');
      await s.runs.popEffect(runId, 'slack', 's1');
      expect(mine(runId, await s.runs.runsWithEffects(now + 60_000, 1000))).toEqual(['slack']);
      await s.runs.popEffect(runId, 'slack', 's2');
      expect(mine(runId, await s.runs.runsWithEffects(now + 60_000, 1000))).toEqual([]);
      expect(await s.runs.runsWithEffects(now, 0)).toEqual([]);
    });

    it('finish takes the run out of the active set and puts a TTL on its keys', async () => {
      const runId = uid();
      const server = `srv-${uid()}`;
      await s.runs.create(runId, { step: 0 }, effects());
      await s.runs.appendOutput(runId, '0-1', ['line'], 10);
      await s.runs.setRef(runId, 'parent', '1700000000.000100');
      expect(await ns.retention(runId, '0-1')).toEqual({ run: null, output: null });

      await s.runs.finish(runId, server, 60_000);
      expect(await s.runs.listActive()).not.toContain(runId);
      const left = await ns.retention(runId, '0-1');
      expect(left.run).toBeGreaterThan(0);
      expect(left.run).toBeLessThanOrEqual(60_000);
      expect(left.output).toBeGreaterThan(0);
      expect(await s.runs.get(runId)).toEqual({ value: { step: 0 }, version: 1 });

      // a late commit keeps the retention instead of making the run permanent again
      expect(await s.runs.commit(runId, { step: 1 }, 1, effects())).toBe(true);
      expect((await ns.retention(runId, '0-1')).run).toBeGreaterThan(0);
      // late output expires with the run too
      await s.runs.appendOutput(runId, '0-2', ['late'], 10);
      expect((await ns.retention(runId, '0-2')).output).toBeGreaterThan(0);
    });

    it('caps output at maxLines, dropping the oldest', async () => {
      const runId = uid();
      await s.runs.appendOutput(runId, '2-1', ['1', '2', '3', '4', '5'], 3);
      expect(await s.runs.readOutput(runId, '2-1')).toEqual(['3', '4', '5']);
      await s.runs.appendOutput(runId, '2-1', ['6', '7'], 3);
      expect(await s.runs.readOutput(runId, '2-1')).toEqual(['5', '6', '7']);
      await s.runs.appendOutput(runId, '2-1', [], 3);
      expect(await s.runs.readOutput(runId, '2-1')).toEqual(['5', '6', '7']);
      expect(await s.runs.readOutput(runId, 'other')).toEqual([]);
      await expect(s.runs.appendOutput(runId, '2-1', ['x'], 0)).rejects.toThrow(RangeError);
    });

    it('keeps a bounded, newest-first history without duplicates', async () => {
      const server = `srv-${uid()}`;
      const runIds = Array.from({ length: HISTORY_MAX + 5 }, (_, i) => `r${String(i).padStart(4, '0')}`);
      for (const id of runIds) await s.runs.addHistory(server, id);
      const all = await s.runs.history(server, 1000);
      expect(all).toHaveLength(HISTORY_MAX);
      expect(all[0]).toBe(runIds.at(-1));
      expect(await s.runs.history(server, 2)).toEqual([runIds.at(-1), runIds.at(-2)]);
      await s.runs.addHistory(server, runIds.at(-3) ?? '');
      expect(await s.runs.history(server, 3)).toEqual([runIds.at(-3), runIds.at(-1), runIds.at(-2)]);
      expect(await s.runs.history(`srv-${uid()}`, 10)).toEqual([]);
    });

    it('stores refs per run', async () => {
      const runId = uid();
      expect(await s.runs.getRefs(runId)).toEqual({});
      await s.runs.setRef(runId, 'parent', '1.1');
      await s.runs.setRef(runId, 'status', '1.2');
      await s.runs.setRef(runId, 'parent', '1.3');
      expect(await s.runs.getRefs(runId)).toEqual({ parent: '1.3', status: '1.2' });
    });
  });

  describe('server locks', () => {
    it('grants one run at a time with increasing tokens and refuses stale releases', async () => {
      const server = `srv-${uid()}`;
      expect(await s.locks.holder(server)).toBeNull();
      const a = await s.locks.acquire(server, 'runa');
      expect(a).not.toBeNull();
      if (!a) return;
      expect(await s.locks.acquire(server, 'runb')).toBeNull();
      expect(await s.locks.acquire(server, 'runa')).toEqual(a);
      expect(await s.locks.holder(server)).toEqual(a);

      expect(await s.locks.release(server, { runId: 'runb', token: a.token })).toBe(false);
      expect(await s.locks.release(server, { runId: 'runa', token: a.token - 1 })).toBe(false);
      expect(await s.locks.release(server, a)).toBe(true);
      expect(await s.locks.holder(server)).toBeNull();

      const b = await s.locks.acquire(server, 'runb');
      expect(b?.token).toBeGreaterThan(a.token);
      expect(await s.locks.release(server, a)).toBe(false);
      expect(await s.locks.holder(server)).toEqual(b);
    });

    it('gives a contested server to exactly one of many concurrent runs', async () => {
      const server = `srv-${uid()}`;
      const other = ns.open();
      const grants = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? other : s).locks.acquire(server, `run${i}`)),
      );
      expect(grants.filter((g) => g !== null)).toHaveLength(1);
    });
  });

  describe('timers', () => {
    it('returns each due timer to exactly one of several concurrent claimers', async () => {
      const runId = uid();
      const now = Date.now();
      const names = Array.from({ length: 30 }, (_, i) => `t|${i}`);
      for (const [i, name] of names.entries()) await s.timers.schedule(runId, name, now - i);
      await s.timers.schedule(runId, 'later', now + 60_000);
      await s.timers.schedule(runId, 'cancelled', now - 1);
      await s.timers.cancel(runId, 'cancelled');

      const other = ns.open();
      const batches = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? other : s).timers.claimDue(now, 7)),
      );
      const claimed = batches.flat().filter((t) => t.runId === runId);
      expect(claimed.map((t) => t.name).sort()).toEqual([...names].sort());
      expect(claimed.find((t) => t.name === 't|3')?.dueAt).toBe(now - 3);
      expect((await s.timers.claimDue(now, 100)).filter((t) => t.runId === runId)).toEqual([]);

      await s.timers.schedule(runId, 'later', now - 5); // moved earlier
      expect((await s.timers.claimDue(now, 100)).filter((t) => t.runId === runId)).toEqual([
        { runId, name: 'later', dueAt: now - 5 },
      ]);
    });

    it('brings back a timer claimed with a lease that was never settled, and settles the rest', async () => {
      const runId = uid();
      const now = Date.now();
      for (const name of ['lost', 'fired', 'rearmed']) await s.timers.schedule(runId, name, now - 1);
      const mine = (t: { runId: string }) => t.runId === runId;
      expect((await s.timers.claimDue(now, 100, 1000)).filter(mine).map((t) => t.name).sort()).toEqual(['fired', 'lost', 'rearmed']);
      // hidden from other claimers for the lease
      expect((await ns.open().timers.claimDue(now + 999, 100, 1000)).filter(mine)).toEqual([]);
      await s.timers.schedule(runId, 'rearmed', now + 500); // scheduled again while it fired
      await s.timers.settle(runId, 'fired', now + 1000);
      await s.timers.settle(runId, 'rearmed', now + 1000);
      // the claimer of 'lost' died: it is due again once the lease is over
      expect((await s.timers.claimDue(now + 1000, 100)).filter(mine)).toEqual([
        { runId, name: 'rearmed', dueAt: now + 500 },
        { runId, name: 'lost', dueAt: now + 1000 },
      ]);
    });
  });

  describe('job bus', () => {
    it('delivers a job to the runner, redelivers it until acked', async () => {
      const server = `srv-${uid()}.example.org`;
      const id = await s.botBus.sendJob(server, { jobId: 'job-1', n: 1 });
      const first = await s.runnerBus.readJobs(server, 'runner-1', 0);
      expect(first).toEqual([{ id, raw: JSON.stringify({ jobId: 'job-1', n: 1 }) }]);
      expect(await s.runnerBus.readJobs(server, 'runner-1', 0)).toEqual(first);

      const again = ns.open(); // a restarted runner with the same consumer name
      expect(ids(await again.runnerBus.readJobs(server, 'runner-1', 0))).toEqual([id]);
      await s.runnerBus.ackJob(server, id);
      expect(await s.runnerBus.readJobs(server, 'runner-1', 0)).toEqual([]);
      expect(await s.runnerBus.readJobs(`srv-${uid()}`, 'runner-1', 0)).toEqual([]);
    });

    it('delivers a job sent before the runner ever read its stream', async () => {
      const server = `srv-${uid()}`;
      const a = await s.botBus.sendJob(server, { n: 1 });
      const b = await s.botBus.sendJob(server, { n: 2 });
      expect(ids(await s.runnerBus.readJobs(server, 'runner-1', 0))).toEqual([a, b]);
    });

    it('caps a job stream and forgets a pending job that was trimmed away', async () => {
      const server = `srv-${uid()}`;
      const first = await s.botBus.sendJob(server, { n: 0 });
      expect(ids(await s.runnerBus.readJobs(server, 'runner-1', 0))).toEqual([first]);
      const later = await Promise.all(
        Array.from({ length: JOBS_MAXLEN + 200 }, (_, i) => s.botBus.sendJob(server, { n: i + 1 })),
      );
      const next = ids(await s.runnerBus.readJobs(server, 'runner-1', 0));
      expect(next).toHaveLength(JOB_READ_COUNT);
      expect(next).not.toContain(first);
      expect(next[0]).not.toBe(later[0]); // the oldest ones went with it
      expect(later).toEqual(expect.arrayContaining(next));
    });

    it('wakes a blocked job read as soon as a job arrives', async () => {
      const server = `srv-${uid()}`;
      const sender = ns.open();
      // far longer than the test timeout: only the new entry can end this read in time
      const reading = s.runnerBus.readJobs(server, 'runner-1', 120_000);
      await ns.untilBlocked();
      const id = await sender.botBus.sendJob(server, { n: 1 });
      expect(ids(await reading)).toEqual([id]);
    });

    it('wakes a blocked results read, and close() ends a blocked read with no entries', async () => {
      const iso = impl.namespace();
      const bot = iso.open();
      const runner = iso.open();
      const reading = bot.botBus.readResults('bot-1', 120_000, 10);
      await iso.untilBlocked();
      const id = await runner.runnerBus.publishResult({ type: 'started' });
      expect(ids(await reading)).toEqual([id]);

      const closing = iso.open();
      const waiting = closing.botBus.readResults('bot-2', 120_000, 10);
      await iso.untilBlocked();
      await closing.close();
      expect(await waiting).toEqual([]);
    });

    it('keeps results pending until acked, returns them after a restart, lets another consumer claim them', async () => {
      const iso = impl.namespace();
      const bot = iso.open();
      const r1 = await bot.runnerBus.publishResult({ seq: 1 });
      const r2 = await bot.runnerBus.publishResult({ seq: 2 });
      const r3 = await bot.runnerBus.publishResult({ seq: 3 });

      expect(await bot.botBus.readResults('bot-a', 0, 2)).toEqual([
        { id: r1, raw: JSON.stringify({ seq: 1 }) },
        { id: r2, raw: JSON.stringify({ seq: 2 }) },
      ]);
      await bot.botBus.ackResult(r1);
      // the same process moves on to new results; r2 stays pending
      expect(ids(await bot.botBus.readResults('bot-a', 0, 10))).toEqual([r3]);
      expect(await bot.botBus.readResults('bot-a', 0, 10)).toEqual([]);
      await bot.close();

      const restarted = iso.open();
      expect(ids(await restarted.botBus.readResults('bot-a', 0, 10))).toEqual([r2, r3]);
      await restarted.botBus.ackResult(r3);
      expect(ids(await restarted.botBus.readResults('bot-a', 0, 10))).toEqual([r2]);

      const rescuer = iso.open();
      expect(ids(await rescuer.botBus.claimStaleResults('bot-b', 0, 10))).toEqual([r2]);
      await rescuer.botBus.ackResult(r2);
      expect(await rescuer.botBus.claimStaleResults('bot-b', 0, 10)).toEqual([]);
      expect(await restarted.botBus.readResults('bot-a', 0, 10)).toEqual([]);
      expect(await iso.open().botBus.readResults('bot-a', 0, 10)).toEqual([]);
    });

    it('does not claim results that have not been idle long enough', async () => {
      const iso = impl.namespace();
      const bot = iso.open();
      const id = await bot.runnerBus.publishResult({ seq: 1 });
      expect(ids(await bot.botBus.readResults('bot-a', 0, 10))).toEqual([id]);
      expect(await bot.botBus.claimStaleResults('bot-b', 3_600_000, 10)).toEqual([]);
    });
  });

  describe('runner directory', () => {
    it('stores heartbeats and lists runners newest first', async () => {
      const iso = impl.namespace().open();
      const base: RunnerInfo = {
        server: 'a.example.org', runnerId: 'r-a', version: '0.1.0', startedAt: 10, heartbeatAt: 100, busyJobId: null, facts: null,
      };
      const b: RunnerInfo = { ...base, server: 'b.example.org', runnerId: 'r-b', heartbeatAt: 300, busyJobId: 'job-12345678', facts: { cu: 'CU12', roles: ['FE'] } };
      const c: RunnerInfo = { ...base, server: 'c.example.org', runnerId: 'r-c', heartbeatAt: 200 };
      await iso.runners.heartbeat(base);
      await iso.runners.heartbeat(b);
      await iso.runners.heartbeat(c);
      expect(await iso.runners.get('b.example.org')).toEqual(b);
      expect(await iso.runners.get('missing.example.org')).toBeNull();
      expect((await iso.runners.list()).map((r) => r.server)).toEqual(['b.example.org', 'c.example.org', 'a.example.org']);

      await iso.runners.heartbeat({ ...base, heartbeatAt: 400 });
      const list = await iso.runners.list();
      expect(list.map((r) => r.server)).toEqual(['a.example.org', 'b.example.org', 'c.example.org']);
      expect(list[0]).toEqual({ ...base, heartbeatAt: 400 });
    });
  });

  describe('channel pacer', () => {
    it('lets a burst through, then one write per interval, shared by every instance', async () => {
      const channel = `C${uid().replace(/[^A-Za-z0-9]/g, '').slice(0, 12).toUpperCase()}`;
      const t0 = 1_900_000_000_000;
      const other = ns.open();
      // Burst of 3 at one instant, across two instances: three go, the fourth waits one interval.
      const first = await Promise.all([s, other, s].map((st) => st.pacer.take(channel, t0, 1000, 3)));
      expect(first).toEqual([0, 0, 0]);
      expect(await other.pacer.take(channel, t0, 1000, 3)).toBe(1000);
      expect(await s.pacer.take(channel, t0 + 999, 1000, 3)).toBe(1);
      expect(await s.pacer.take(channel, t0 + 1000, 1000, 3)).toBe(0);
      expect(await s.pacer.take(channel, t0 + 1000, 1000, 3)).toBe(1000);
      // After a quiet spell the whole burst is available again, never more.
      const later = t0 + 60_000;
      const again = await Promise.all([0, 1, 2, 3].map(() => s.pacer.take(channel, later, 1000, 3)));
      expect(again.filter((w) => w === 0)).toHaveLength(3);
      // An interval of 0 means unpaced.
      expect(await s.pacer.take(channel, t0, 0, 1)).toBe(0);
    });
  });

  describe('dedupe', () => {
    it('says true only the first time an id is seen', async () => {
      const id = uid();
      expect(await s.dedupe.firstTime(id, 60_000)).toBe(true);
      expect(await s.dedupe.firstTime(id, 60_000)).toBe(false);
      expect(await ns.open().dedupe.firstTime(id, 60_000)).toBe(false);
      expect(await s.dedupe.firstTime(uid(), 60_000)).toBe(true);
      const racing = uid();
      const results = await Promise.all([s, ns.open(), s].map((st) => st.dedupe.firstTime(racing, 60_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('forgets a mark so the id counts as unseen again', async () => {
      const id = uid();
      expect(await s.dedupe.firstTime(id, 60_000)).toBe(true);
      await s.dedupe.forget(id);
      expect(await s.dedupe.firstTime(id, 60_000)).toBe(true);
      expect(await s.dedupe.firstTime(id, 60_000)).toBe(false);
      await s.dedupe.forget(uid()); // unknown ids are fine
    });
  });

  describe('audit log', () => {
    const entry = (action: string, runId: string | null = null): AuditEntry => ({
      at: 1_700_000_000_000, actor: 'U123', action, runId, planHash: null, detail: { note: action, list: [1, 'two'] },
    });

    it('chains entries by hash from the genesis hash', async () => {
      const iso = impl.namespace().open();
      const a = await iso.audit.append(entry('start', 'runa'));
      const b = await iso.audit.append(entry('approve', 'runb'));
      const c = await iso.audit.append(entry('finish', 'runa'));
      expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3]);
      expect(a.prevHash).toBe(GENESIS_HASH);
      expect(b.prevHash).toBe(a.hash);
      expect(c.prevHash).toBe(b.hash);
      expect(a.hash).toBe(chainHash(GENESIS_HASH, entry('start', 'runa')));
      expect(a.hash).toMatch(/^[0-9a-f]{64}$/);

      const all = await iso.audit.read();
      expect(all).toEqual([a, b, c]);
      expect(findChainBreak(all)).toBe(-1);
      expect(findChainBreak([a, c])).toBe(1);
      expect(findChainBreak([{ ...a, detail: { note: 'edited' } }, b, c])).toBe(0);
      expect(await iso.audit.read('runa')).toEqual([a, c]);
      expect(await iso.audit.read('nobody')).toEqual([]);
    });

    it('keeps one chain under concurrent appends', async () => {
      const iso = impl.namespace();
      const writers = [iso.open(), iso.open(), iso.open()];
      const appended = await Promise.all(
        Array.from({ length: 24 }, (_, i) => writers[i % writers.length]?.audit.append(entry(`a${i}`))),
      );
      const all = await iso.open().audit.read();
      expect(all).toHaveLength(24);
      expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
      expect(findChainBreak(all)).toBe(-1);
      expect(new Set(appended.map((e) => e?.hash)).size).toBe(24);
    });
  });

  describe('settings', () => {
    it('stores one value per scope, id and name', async () => {
      const id = uid();
      expect(await s.settings.get('user', id, 'lang')).toBeNull();
      await s.settings.set('user', id, 'lang', 'de');
      await s.settings.set('channel', id, 'lang', 'fr');
      expect(await s.settings.get('user', id, 'lang')).toBe('de');
      expect(await s.settings.get('channel', id, 'lang')).toBe('fr');
      await s.settings.set('user', id, 'lang', 'en');
      expect(await ns.open().settings.get('user', id, 'lang')).toBe('en');
    });
  });
});
