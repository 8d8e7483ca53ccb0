/**
 * Helpers for tests that drive a real `cspatch runner` process with the fake PowerShell: start
 * it, sign jobs the way the bot does, collect and verify its results, read the sim log.
 * Build first (`npx tsc -p .`): the runner and the fake run from dist/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { PRODUCTS } from '../../commands/products.js';
import type { ConfirmedFactsInput } from '../../commands/schemas.js';
import { MESSAGE_FIELD, resultMessageSchema, signMessage, verifyMessage, type FinishedResult, type JobMessage, type ResultMessage, type UnsignedJob } from '../../core/messages.js';
import { deriveRunnerKey } from '../../core/signing.js';
import { createKeys } from '../../core/keys.js';
import { parseScenario, poolOf, sqlOf, type Scenario, type ScenarioInput } from '../../sim/scenario.js';
import { readSimLog, type SimLogEntry } from '../../sim/sim-log.js';
import type { BotBus } from '../../store/ports.js';
import { TEST_REDIS_URL } from './redis.js';

export { readSimLog, type SimLogEntry };

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO_ROOT, 'dist', 'bin', 'cspatch.js');
export const FAKE_POWERSHELL = join(REPO_ROOT, 'sim', 'bin', 'fake-powershell');
export const SCENARIO_DIR = join(REPO_ROOT, 'test', 'fixtures', 'scenarios');

/** The bot's master secret in tests; each runner gets deriveRunnerKey(TEST_MASTER, server). */
export const TEST_MASTER = 'test-master-secret-0123456789abcdef';

/** A short random prefix: CSPATCH_PREFIX allows at most 40 characters. */
export function runnerTestPrefix(label: string): string {
  return `t-${label.slice(0, 12)}-${randomBytes(6).toString('hex')}`;
}

export function randomJobId(): string {
  return `job_${randomBytes(8).toString('hex')}`;
}

export function randomRunId(): string {
  return `run${randomBytes(5).toString('hex')}`;
}

/** Polls `check` until it returns something other than undefined/false (waiting on an event, not a fixed sleep). */
export async function waitUntil<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------- scenarios and plans

export function loadScenarioFixture(name: string): ScenarioInput {
  return JSON.parse(readFileSync(join(SCENARIO_DIR, `${name}.json`), 'utf8')) as ScenarioInput;
}

/** The facts a human would confirm for this simulated server, as buildPlan takes them. */
export function confirmedFactsFor(input: ScenarioInput, runId: string): ConfirmedFactsInput {
  const s: Scenario = parseScenario(input);
  const sql = sqlOf(s);
  return {
    server: s.server,
    product: s.product,
    edition: s.edition,
    collocatedStores: s.collocated.length > 0,
    ...(s.edition === 'enterprise' && sql ? { sqlServerFqdn: sql } : {}),
    packagePath: `C:\\Updates\\${PRODUCTS[s.product].installer}`,
    packageSha256: s.package.sha256,
    runId,
  };
}

export { poolOf, sqlOf };

// ---------------------------------------------------------------- jobs

export interface JobSpec {
  readonly server: string;
  readonly stepId: string;
  readonly params: Record<string, unknown>;
  readonly runId?: string;
  readonly jobId?: string;
  readonly attempt?: number;
  readonly issuedAt?: number;
}

export function makeJob(spec: JobSpec): UnsignedJob {
  return {
    v: 1,
    jobId: spec.jobId ?? randomJobId(),
    runId: spec.runId ?? randomRunId(),
    server: spec.server,
    stepId: spec.stepId,
    params: spec.params,
    attempt: spec.attempt ?? 1,
    issuedAt: spec.issuedAt ?? Date.now(),
  };
}

/** Signs a job as the bot does: with the key derived for the server the job names. */
export function signJob(job: UnsignedJob, master: string = TEST_MASTER, keyServer: string = job.server): JobMessage {
  return signMessage(deriveRunnerKey(master, keyServer), job);
}

/** Builds, signs and sends a job; returns what was sent. */
export async function sendJob(bus: BotBus, spec: JobSpec, master: string = TEST_MASTER): Promise<JobMessage> {
  const job = signJob(makeJob(spec), master);
  await bus.sendJob(spec.server, job);
  return job;
}

/** Adds an entry whose message field is any text at all, for malformed-entry tests. */
export async function sendRawJobEntry(redis: Redis, prefix: string, server: string, raw: string): Promise<void> {
  await redis.xadd(createKeys(prefix).jobs(server), '*', MESSAGE_FIELD, raw);
}

// ---------------------------------------------------------------- results

/**
 * Reads the results stream as the bot would (BOT_GROUP through BotBus), checks every message
 * against the schema and the sending runner's key, acknowledges it and keeps it in order.
 */
export class ResultCollector {
  readonly all: ResultMessage[] = [];
  private reading: Promise<number> | null = null;

  constructor(
    private readonly bus: BotBus,
    private readonly master: string = TEST_MASTER,
    private readonly consumer: string = 'test-bot',
  ) {}

  private async readOnce(): Promise<number> {
    const entries = await this.bus.readResults(this.consumer, 200, 100);
    for (const entry of entries) {
      const message = resultMessageSchema.parse(JSON.parse(entry.raw));
      if (!verifyMessage(deriveRunnerKey(this.master, message.server), message)) {
        throw new Error(`result ${entry.id} for job ${message.jobId} has a bad signature`);
      }
      this.all.push(message);
      await this.bus.ackResult(entry.id);
    }
    return entries.length;
  }

  /** One read at a time, shared by concurrent waiters. */
  private read(): Promise<number> {
    this.reading ??= this.readOnce().finally(() => {
      this.reading = null;
    });
    return this.reading;
  }

  /** Reads until the stream has nothing more: use after the runner exited, to assert absence. */
  async readAll(): Promise<ResultMessage[]> {
    while ((await this.read()) > 0) {
      // keep reading
    }
    return this.all;
  }

  async waitFor<T extends ResultMessage>(match: (m: ResultMessage) => m is T, what: string, timeoutMs?: number): Promise<T>;
  async waitFor(match: (m: ResultMessage) => boolean, what: string, timeoutMs?: number): Promise<ResultMessage>;
  async waitFor(match: (m: ResultMessage) => boolean, what: string, timeoutMs = 30_000): Promise<ResultMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.all.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${this.all.map((m) => `${m.type}:${m.jobId}`).join(', ')}`);
      await this.read();
    }
  }

  waitForFinished(jobId: string, timeoutMs?: number): Promise<FinishedResult> {
    return this.waitFor((m): m is FinishedResult => m.type === 'finished' && m.jobId === jobId, `the finished result of ${jobId}`, timeoutMs);
  }

  /** Every message about one job so far, in arrival order. */
  messagesFor(jobId: string): ResultMessage[] {
    return this.all.filter((m) => m.jobId === jobId);
  }
}

/** Sends a job and waits for its finished result. */
export async function runJob(bus: BotBus, results: ResultCollector, spec: JobSpec, timeoutMs?: number): Promise<{ job: JobMessage; result: FinishedResult }> {
  const job = await sendJob(bus, spec);
  return { job, result: await results.waitForFinished(job.jobId, timeoutMs) };
}

// ---------------------------------------------------------------- the runner process

export interface RunnerHandle {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly server: string;
  /** holds the scenario, sim log and journal; reuse it to restart "the same machine" */
  readonly dir: string;
  readonly simLogPath: string;
  readonly journalPath: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** everything the runner printed (pino JSON lines and stderr) */
  output(): string;
  /** resolves once the runner has printed a line matching `pattern` */
  waitForOutput(pattern: RegExp, what: string, timeoutMs?: number): Promise<void>;
  /** the sim log so far */
  simLog(): SimLogEntry[];
  /** SIGTERM, then waits for the exit */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartRunnerOptions {
  readonly server: string;
  readonly prefix: string;
  readonly scenario: ScenarioInput;
  /** reuse the directory (journal and sim log) of an earlier runner of the same server */
  readonly dir?: string;
  readonly master?: string;
  readonly env?: Record<string, string>;
}

const started: RunnerHandle[] = [];

/** Starts `node dist/bin/cspatch.js runner --server <fqdn>` with the fake PowerShell. */
export function startRunner(opts: StartRunnerOptions): RunnerHandle {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsc -p .)`);
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'cspatch-runner-'));
  const scenarioPath = join(dir, 'scenario.json');
  writeFileSync(scenarioPath, JSON.stringify(opts.scenario));
  const simLogPath = join(dir, 'sim.log');
  const journalPath = join(dir, 'journal.json');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    REDIS_URL: TEST_REDIS_URL,
    CSPATCH_PREFIX: opts.prefix,
    CSPATCH_RUNNER_SECRET: deriveRunnerKey(opts.master ?? TEST_MASTER, opts.server),
    CSPATCH_POWERSHELL: FAKE_POWERSHELL,
    CSPATCH_SIM_LOG: simLogPath,
    CSPATCH_SIM_SCENARIO: scenarioPath,
    CSPATCH_JOURNAL: journalPath,
    CSPATCH_HEARTBEAT: '0.2',
    LOG_LEVEL: 'debug',
    ...opts.env,
  };
  const child = spawn(process.execPath, [CLI, 'runner', '--server', opts.server], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const watchers = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const w of watchers) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.on('exit', (code, signal) => {
      for (const w of watchers) w();
      res({ code, signal });
    });
  });
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  void exited.then((e) => {
    exitInfo = e;
  });
  const handle: RunnerHandle = {
    child,
    pid: child.pid ?? -1,
    server: opts.server,
    dir,
    simLogPath,
    journalPath,
    exited,
    output: () => text,
    waitForOutput: (pattern, what, timeoutMs = 20_000) =>
      new Promise((res, rej) => {
        const timer = setTimeout(() => done(new Error(`timed out waiting for the runner to print ${what}\n${text.slice(-4000)}`)), timeoutMs);
        const check = () => {
          if (pattern.test(text)) done();
          else if (exitInfo) done(new Error(`the runner exited (${JSON.stringify(exitInfo)}) before printing ${what}\n${text.slice(-4000)}`));
        };
        const done = (e?: Error) => {
          clearTimeout(timer);
          watchers.delete(check);
          if (e) rej(e);
          else res();
        };
        watchers.add(check);
        check();
      }),
    simLog: () => readSimLog(simLogPath),
    async stop() {
      if (!exitInfo) child.kill('SIGTERM');
      return exited;
    },
  };
  started.push(handle);
  return handle;
}

/**
 * Kills every runner still running, and every fake PowerShell process group their sim logs
 * name (a hanging step outlives a SIGKILLed runner), then removes the temp directories.
 */
export async function cleanupRunners(): Promise<void> {
  for (const r of started.splice(0)) {
    if (r.child.exitCode === null && r.child.signalCode === null) {
      r.child.kill('SIGKILL');
      await r.exited;
    }
    for (const e of r.simLog()) killGroup(e.pid);
    rmSync(r.dir, { recursive: true, force: true });
  }
}

/** SIGKILL to a whole process group, ignoring groups already gone. */
export function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** True when the process no longer runs (absent, or a zombie nobody reaped yet). */
export function processGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return /^\d+ \(.*\) Z/.test(stat);
  } catch {
    if (process.platform === 'linux') return true;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
