/**
 * The baseline of benchmark (b): the same two hops a step makes (job out, result back), done with
 * nothing but Redis Streams between two connections: A XADDs a job, B (blocked in XREADGROUP)
 * receives it, XACKs it and XADDs a result, A (blocked in XREADGROUP) receives that and XACKs it.
 */
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { openRedis } from '../store/redis/connection.js';
import { parseReadGroupReply } from '../store/redis/stream-reply.js';

const GROUP = 'g';
const BLOCK_MS = 2000;

export interface RawRoundTrip {
  /** One job out and its result back; returns milliseconds. */
  once(payload: string): Promise<number>;
  close(): Promise<void>;
}

async function readOne(conn: Redis, key: string, consumer: string): Promise<string[]> {
  const reply = await conn.call('XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', 10, 'BLOCK', BLOCK_MS, 'STREAMS', key, '>');
  return parseReadGroupReply(reply).entries.map((e) => e.id);
}

export async function openRawRoundTrip(redisUrl: string, prefix: string): Promise<RawRoundTrip> {
  const jobs = `${prefix}:raw:jobs`;
  const results = `${prefix}:raw:results`;
  // RESP2 like the product's own connections (store/redis/connection.ts).
  const a = openRedis(redisUrl, 'bench-raw-a');
  const b = openRedis(redisUrl, 'bench-raw-b');
  for (const key of [jobs, results]) await a.xgroup('CREATE', key, GROUP, '0', 'MKSTREAM');
  let stopping = false;
  // B plays the runner: every job it receives is acked and answered at once.
  const echo = (async () => {
    while (!stopping) {
      const ids = await readOne(b, jobs, 'b').catch(() => []);
      for (const id of ids) {
        await b.xack(jobs, GROUP, id);
        await b.xadd(results, '*', 'm', `result-of-${id}`);
      }
    }
  })();
  return {
    async once(payload) {
      const t0 = performance.now();
      await a.xadd(jobs, '*', 'm', payload);
      for (;;) {
        const ids = await readOne(a, results, 'a');
        if (ids.length === 0) throw new Error('raw round trip: no result within the block time');
        const ms = performance.now() - t0;
        for (const id of ids) await a.xack(results, GROUP, id);
        return ms;
      }
    },
    async close() {
      stopping = true;
      // B may sit in a blocked read for up to BLOCK_MS: drop its socket rather than wait.
      b.disconnect();
      await echo;
      await a.quit();
    },
  };
}
