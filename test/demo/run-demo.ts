/**
 * Runs `cspatch demo` from the build as a child process, the way a person would start it, and
 * collects its transcript. Build first (`npx tsc -p .`): the demo and the simulated PowerShell
 * run from dist/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, REPO_ROOT } from '../helpers/runner.js';

export interface DemoRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A demo still running when the test ends is killed, so no process outlives the suite. */
const running = new Set<ChildProcess>();

export function assertBuilt(): void {
  for (const file of [CLI, join(REPO_ROOT, 'dist', 'demo', 'cli.js'), join(REPO_ROOT, 'dist', 'sim', 'fake-powershell.js')]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: build first (npx tsc -p .)`);
  }
}

/** `cspatch demo <args>` with only PATH and `env` in its environment; resolves when it exits. */
export function runDemo(args: readonly string[], env: Record<string, string> = {}): Promise<DemoRun> {
  const child = spawn(process.execPath, [CLI, 'demo', ...args], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

export async function killDemos(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('close', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/**
 * Asserts that each pattern occurs in `text` after the previous one's match, and returns where
 * each matched; the failure message shows what came after the last pattern found.
 */
export function expectInOrder(text: string, patterns: ReadonlyArray<string | RegExp>): number[] {
  const at: number[] = [];
  let from = 0;
  for (const p of patterns) {
    const rest = text.slice(from);
    const index = typeof p === 'string' ? rest.indexOf(p) : rest.search(p);
    if (index < 0) {
      throw new Error(`expected ${String(p)} after position ${from} (the previous pattern); the transcript from there:\n${rest.slice(0, 4000)}`);
    }
    const length = typeof p === 'string' ? p.length : (rest.match(p)?.[0].length ?? 0);
    at.push(from + index);
    from += index + length;
  }
  return at;
}
