/**
 * Shared by the fault-injection suites (test/faults/): reading a thread as a list of events,
 * holding a step open, waiting for the bot to have consumed every result, and a private
 * redis-server that a test may kill and start again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { buildPlan, type Plan } from '../../commands/build-plan.js';
import { BOT_GROUP, createKeys } from '../../core/keys.js';
import { parseScenario, type ScenarioInput } from '../../sim/scenario.js';
import type { BotHandle } from './bot.js';
import { blocksText, type FakeSlack, type StoredMessage } from './fake-slack.js';
import { button, replies, waitReply, walkToPlan } from './patch-driver.js';
import { confirmedFactsFor, waitUntil } from './runner.js';

/**
 * How long to wait for the product to get somewhere (a step, a reply, a reconnect). Generous:
 * these suites share two cores with others, and a wait that passes returns at once anyway.
 */
export const PATIENCE = 90_000;

// ---------------------------------------------------------------- the thread as events

/**
 * One token per thread reply, from its first line, so a whole thread compares with one toEqual:
 * `plan-ready`, `approved`, `start 3`, `start 3 #2` (a retry), `done 3`, `failed 3`, `interrupted 3`,
 * `gate-failure 3`, `gate-interrupted 3`, `runner-lost 3`, `decision retry 3`, `summary`.
 */
export function threadEvent(text: string): string {
  const first = text.split('\n')[0] ?? '';
  let m: RegExpExecArray | null;
  if (/The plan is ready/.test(first)) return 'plan-ready';
  if (/approved the plan/.test(first)) return 'approved';
  if ((m = /Step (\d+)\/\d+ started again \(attempt (\d+)\)/.exec(first))) return `start ${m[1]} #${m[2]}`;
  if ((m = /Step (\d+)\/\d+ started/.exec(first))) return `start ${m[1]}`;
  if ((m = /Step (\d+)\/\d+ (done|failed|timed out|interrupted|skipped|refused by the runner) after/.exec(first))) return `${m[2]} ${m[1]}`;
  if ((m = /Step (\d+) \(.*\) did not succeed/.exec(first))) return `gate-failure ${m[1]}`;
  if ((m = /Step (\d+) \(.*\) was interrupted/.exec(first))) return `gate-interrupted ${m[1]}`;
  if ((m = /stopped answering during step (\d+)/.exec(first))) return `runner-lost ${m[1]}`;
  if ((m = /chose to (.+) \(step (\d+)\)/.exec(first))) return `decision ${m[1]} ${m[2]}`;
  if (/Summary for/.test(first)) return 'summary';
  return `other: ${first.slice(0, 60)}`;
}

export function threadEvents(fake: FakeSlack, channel: string, parentTs: string): string[] {
  return replies(fake, channel, parentTs).map((m) => threadEvent(blocksText(m.blocks)));
}

/** `start i`, `done i` for each step index in `indexes` (1-based), in order. */
export function ranCleanly(indexes: readonly number[]): string[] {
  return indexes.flatMap((i) => [`start ${i}`, `done ${i}`]);
}

/** 1..n */
export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

// ---------------------------------------------------------------- the run

/** The plan the bot builds for this scenario, confirmed unchanged (as walkToPlan confirms it). */
export function planFor(scenario: ScenarioInput, runId: string): Plan {
  return buildPlan(confirmedFactsFor(scenario, runId));
}

/** The steps PowerShell was asked to run, without the fact detection probes. */
export function planStepsRan(stepIds: ReadonlyArray<string | null>): string[] {
  return stepIds.filter((s): s is string => s !== null && s !== 'detect-facts');
}

/**
 * From the slash command to the first step sent: the requester confirms the facts, a second admin
 * approves through `approver` (another replica, if you like).
 */
export async function startPatch(
  bot: BotHandle,
  fake: FakeSlack,
  opts: { channel: string; scenario: ScenarioInput; approver?: BotHandle },
): Promise<{ parent: StoredMessage; runId: string; plan: Plan }> {
  const { parent, runId } = await walkToPlan(bot, fake, { channel: opts.channel, requester: 'UADMIN1', scenario: opts.scenario });
  const res = await (opts.approver ?? bot).click('UADMIN2', opts.channel, button(parent, 'cspatch_approve'));
  if (res.status !== 200) throw new Error(`approve answered ${res.status}: ${res.text}`);
  await waitReply(fake, opts.channel, parent.ts, /approved the plan/, 'the approval reply', PATIENCE);
  return { parent, runId, plan: planFor(opts.scenario, runId) };
}

/** A file path the sim waits for (scenario `waitForFile`), and the call that creates it. */
export function holdStep(dir: string, stepId: string): { path: string; release: () => void } {
  const path = join(dir, `release-${stepId}`);
  return { path, release: () => writeFileSync(path, 'go') };
}

export function serverOf(scenario: ScenarioInput): string {
  return parseScenario(scenario).server;
}

// ---------------------------------------------------------------- Redis observations

/**
 * Resolves once the bots' consumer group has read every entry of the results stream and
 * acknowledged it: nothing a runner stored is waiting or in flight in a bot any more.
 */
export async function waitResultsConsumed(redis: Redis, prefix: string, what = 'every result to be consumed', timeoutMs = PATIENCE): Promise<void> {
  const key = createKeys(prefix).results;
  await waitUntil(async () => {
    const last = await redis.xrevrange(key, '+', '-', 'COUNT', 1);
    const lastId = last[0]?.[0];
    if (!lastId) return true;
    const groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
    const group = groups.map(fieldsOf).find((g) => g.name === BOT_GROUP);
    return group !== undefined && group['last-delivered-id'] === lastId && Number(group.pending) === 0;
  }, what, timeoutMs);
}

function fieldsOf(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

/** Every `finished` result on the stream for one job (a runner's report, not the bot's view). */
export async function finishedResultsFor(redis: Redis, prefix: string, jobId: string): Promise<Array<Record<string, unknown>>> {
  const entries = await redis.xrange(createKeys(prefix).results, '-', '+');
  return entries
    .map(([, fields]) => JSON.parse(fields[1] ?? '{}') as Record<string, unknown>)
    .filter((m) => m.type === 'finished' && m.jobId === jobId);
}

/** The run document as stored: its compare-and-set version counts the state changes. */
export async function storedRun(redis: Redis, prefix: string, runId: string): Promise<{ version: number; value: Record<string, unknown> }> {
  const text = await redis.get(createKeys(prefix).run(runId));
  if (text === null) throw new Error(`run ${runId} is not stored`);
  return JSON.parse(text) as { version: number; value: Record<string, unknown> };
}

/** Both outbox queues of a run are empty: every effect committed so far was performed. */
export async function waitOutboxEmpty(redis: Redis, prefix: string, runId: string, timeoutMs = PATIENCE): Promise<void> {
  const keys = createKeys(prefix);
  await waitUntil(
    async () => (await redis.llen(keys.outbox(runId, 'slack'))) === 0 && (await redis.llen(keys.outbox(runId, 'control'))) === 0,
    `the outbox of ${runId} to drain`,
    timeoutMs,
  );
}

/** Every key under the prefix, SCAN MATCH. */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== '0');
  return out;
}

// ---------------------------------------------------------------- a private redis-server

export interface RedisServerHandle {
  readonly port: number;
  readonly url: string;
  /** the working directory (its append-only file, when persistent) */
  readonly dir: string;
  /** SIGKILL: a crash, with no chance to save anything more */
  crash(): Promise<void>;
  /** starts it again on the same port and directory */
  restart(): Promise<void>;
  /** stops it for good and removes its directory */
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A redis-server of the test's own on a free loopback port. `persistent`: append-only file with
 * fsync on every write, so whatever Redis acknowledged survives a crash (as a replica promoted
 * after a failover would have it).
 */
export async function startRedisServer(opts: { persistent: boolean }): Promise<RedisServerHandle> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cspatch-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--protected-mode', 'no'];
  args.push(...(opts.persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']));
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();

  const launch = async (): Promise<void> => {
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    let text = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${text}`)), PATIENCE);
      const onData = (chunk: Buffer): void => {
        text += chunk.toString('utf8');
        if (/Ready to accept connections/.test(text)) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${String(code)}):\n${text}`));
      });
    });
  };
  const kill = async (): Promise<void> => {
    const proc = child;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await exited;
    }
    child = null;
  };

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    crash: kill,
    restart: launch,
    async close() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
