/**
 * Benchmark (b): one step's relay overhead. Real `cspatch runner` processes whose PowerShell
 * exits 0 at once; the benchmark plays the bot: it signs a job as the bot does, XADDs it, and
 * stops the clock when the step's `finished` result is read from the results stream. Against
 * raw Redis Streams doing the same two hops (raw-round-trip.ts). Samples of all kinds alternate.
 *
 * Two runners: one journals to the temp directory's disk as in production, one to tmpfs, where
 * fsync costs nothing; their difference is what the journal's durability costs a step.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { BotBus } from '../store/ports.js';
import { createRedisStores } from '../store/redis/create-redis-stores.js';
import { makeJob, signJob } from '../test/helpers/runner.js';
import { benchPrefix, cleanupPrefix, MASTER_SECRET, REDIS_URL } from './bench-env.js';
import { Closers } from './closers.js';
import { assertExecutable } from './executable.js';
import { plain, versus, type Figure } from './figures.js';
import { INSTANT_POWERSHELL } from './paths.js';
import { openRawRoundTrip } from './raw-round-trip.js';
import { measureJournal, measureSpawn } from './relay-parts.js';
import { startRelayRunner } from './relay-runner.js';
import { round, roundSummary, summarize } from './stats.js';

const DISK_SERVER = 'relay.bench.contoso.com';
const TMPFS_SERVER = 'relay-tmpfs.bench.contoso.com';
/** Linux's RAM-backed directory; without it the tmpfs variant is left out. */
const TMPFS_DIR = '/dev/shm';
const STEP = { stepId: 'check-pending-reboot', params: { product: 'sfb2019' } } as const;
const WARMUP = 20;
const JOBS = 250;
/** raw round trips per relayed job: more samples of the cheap side for the same wall time */
const RAW_PER_JOB = 2;
const RESULT_TIMEOUT_MS = 10_000;

/** The relay time, and how long the step's process ran as the runner itself timed it. */
async function relayOnce(bus: BotBus, server: string): Promise<{ ms: number; processMs: number }> {
  const job = signJob(makeJob({ server, ...STEP }), MASTER_SECRET);
  const t0 = performance.now();
  await bus.sendJob(server, job);
  const deadline = Date.now() + RESULT_TIMEOUT_MS;
  for (;;) {
    const entries = await bus.readResults('bench-bot', 1000, 10);
    let done: { ms: number; processMs: number } | null = null;
    for (const e of entries) {
      const m = JSON.parse(e.raw) as { type?: string; jobId?: string; outcome?: string; durationMs?: number };
      if (m.type === 'finished' && m.jobId === job.jobId) {
        done ??= { ms: performance.now() - t0, processMs: m.durationMs ?? Number.NaN };
        if (m.outcome !== 'succeeded') throw new Error(`the relayed step ended ${String(m.outcome)}: ${e.raw.slice(0, 300)}`);
      }
      await bus.ackResult(e.id);
    }
    if (done) return done;
    if (Date.now() > deadline) throw new Error(`no finished result for ${job.jobId} within ${RESULT_TIMEOUT_MS} ms`);
  }
}

export async function benchRelay(): Promise<{ figures: Figure[]; details: Record<string, unknown> }> {
  assertExecutable(INSTANT_POWERSHELL);
  const closers = new Closers();
  try {
    const prefix = benchPrefix('relay');
    const redis = closers.add(new Redis(REDIS_URL), 'redis', async (r) => {
      await cleanupPrefix(r, prefix);
      await r.quit();
    });
    const diskDir = closers.add(mkdtempSync(join(tmpdir(), 'cspatch-bench-relay-')), 'temp dir', (d) => rmSync(d, { recursive: true, force: true }));
    const tmpfsDir = existsSync(TMPFS_DIR) ? closers.add(mkdtempSync(join(TMPFS_DIR, 'cspatch-bench-relay-')), 'tmpfs dir', (d) => rmSync(d, { recursive: true, force: true })) : null;
    const stores = closers.add(createRedisStores({ redisUrl: REDIS_URL, prefix, connectionName: 'bench-bot' }), 'stores', (s) => s.close());
    const raw = closers.add(await openRawRoundTrip(REDIS_URL, prefix), 'raw round trip', (r) => r.close());
    closers.add(await startRelayRunner(redis, prefix, DISK_SERVER, diskDir), 'runner', (r) => r.stop());
    if (tmpfsDir) closers.add(await startRelayRunner(redis, prefix, TMPFS_SERVER, tmpfsDir), 'tmpfs runner', (r) => r.stop());

    const disk: number[] = [];
    const tmpfs: number[] = [];
    const stepProcess: number[] = [];
    const rawMs: number[] = [];
    const payload = JSON.stringify(signJob(makeJob({ server: DISK_SERVER, ...STEP }), MASTER_SECRET));
    for (let i = 0; i < WARMUP + JOBS; i++) {
      const d = await relayOnce(stores.botBus, DISK_SERVER);
      const t = tmpfsDir ? await relayOnce(stores.botBus, TMPFS_SERVER) : null;
      const b: number[] = [];
      for (let k = 0; k < RAW_PER_JOB; k++) b.push(await raw.once(payload));
      if (i < WARMUP) continue;
      disk.push(d.ms);
      stepProcess.push(d.processMs);
      if (t) tmpfs.push(t.ms, t.processMs);
      rawMs.push(...b);
    }
    const tmpfsMs = tmpfs.filter((_, i) => i % 2 === 0);
    const tmpfsProcess = tmpfs.filter((_, i) => i % 2 === 1);
    const spawn = summarize(await measureSpawn(INSTANT_POWERSHELL, STEP.stepId, STEP.params, JOBS));
    const journal = summarize((await measureJournal(JOBS)).inPath);
    const diskS = summarize(disk);
    const rawS = summarize(rawMs);
    const processS = summarize([...stepProcess, ...tmpfsProcess]);
    const tmpfsS = tmpfsDir ? summarize(tmpfsMs) : null;
    const note = `${JOBS} jobs (${STEP.stepId}) per runner vs ${rawMs.length} raw XADD/XREADGROUP/XACK round trips, alternating`;
    const figures: Figure[] = [
      versus('relay.median', '(b) step relay, median', diskS.median, rawS.median, 'ms', 2, note),
      versus('relay.p99', '(b) step relay, p99', diskS.p99, rawS.p99, 'ms', 2, note),
      plain('relay.process.median', '(b) of which: the step process, timed by the runner, median', processS.median, 'ms'),
    ];
    if (tmpfsS) {
      const relayOnly = tmpfsS.median - processS.median;
      figures.push(
        plain('relay.journalCost.median', '(b) of which: journal fsyncs (disk minus tmpfs runner), median', diskS.median - tmpfsS.median, 'ms'),
        versus('relay.tmpfs.median', '(b) step relay, journal on tmpfs, median', tmpfsS.median, rawS.median, 'ms'),
        versus('relay.rest.median', '(b) relay alone: tmpfs relay minus the step process, median', relayOnly, rawS.median, 'ms', undefined, 'what the runner (checks, journal, three signed XADDs) adds around the process'),
      );
    }
    figures.push(plain('relay.spawn.median', '(b) spawn of the instant PowerShell alone (execa), median', spawn.median, 'ms', undefined, "in the benchmark process, through the runner's spawnStep"));
    return {
      figures,
      details: {
        step: STEP.stepId,
        jobsPerRunner: JOBS,
        warmup: WARMUP,
        relayDiskJournal: roundSummary(diskS),
        relayTmpfsJournal: tmpfsS ? roundSummary(tmpfsS) : null,
        rawRoundTrip: roundSummary(rawS),
        stepProcessInRunner: roundSummary(processS),
        spawnAlone: roundSummary(spawn),
        journalBeginCompleteAlone: roundSummary(journal),
        relayMinusProcessOnTmpfsMedian: tmpfsS ? round(tmpfsS.median - processS.median) : null,
      },
    };
  } finally {
    await closers.closeAll();
  }
}
