import { spawn, type ChildProcess } from 'node:child_process';

/** Kept for error messages only: a long benchmark must not hold every log line in memory. */
const TAIL_CHARS = 64 * 1024;

export interface ChildHandle {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** the last output lines (stdout and stderr), for failure messages */
  tail(): string;
  /** resolves with the first match of `pattern` in the output (searched in the tail) */
  waitFor(pattern: RegExp, what: string, timeoutMs?: number): Promise<RegExpExecArray>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs` */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildHandle>();

/** Starts `node <script> ...args` with exactly `env`, stdout and stderr piped into a bounded tail. */
export function startNode(script: string, args: readonly string[], env: Record<string, string>): ChildHandle {
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const watchers = new Set<() => void>();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      live.delete(handle);
      resolve({ code, signal });
      for (const w of watchers) w();
    }),
  );
  const onData = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-TAIL_CHARS);
    for (const w of watchers) w();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let done = false;
  void exited.then(() => (done = true));
  const handle: ChildHandle = {
    child,
    pid: child.pid ?? -1,
    exited,
    tail: () => text,
    waitFor: (pattern, what, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const finish = (err: Error | null, m?: RegExpExecArray) => {
          clearTimeout(timer);
          watchers.delete(check);
          if (err) reject(err);
          else if (m) resolve(m);
        };
        const check = () => {
          const m = pattern.exec(text);
          if (m) finish(null, m);
          else if (done) finish(new Error(`${what}: the process exited first\n${text.slice(-4000)}`));
        };
        const timer = setTimeout(() => finish(new Error(`${what}: timed out after ${timeoutMs} ms\n${text.slice(-4000)}`)), timeoutMs);
        watchers.add(check);
        check();
      }),
    async stop(graceMs = 10_000) {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  live.add(handle);
  return handle;
}

/** Kills whatever a failed benchmark left running (only processes started here). */
export async function killAllStarted(): Promise<void> {
  await Promise.all([...live].map((h) => h.stop(2000)));
}
