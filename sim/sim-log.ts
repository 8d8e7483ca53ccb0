import { appendFileSync, readFileSync } from 'node:fs';

/** One line of the sim log: what a runner actually asked PowerShell to do. */
export interface SimLogEntry {
  readonly at: number;
  readonly pid: number;
  readonly stepId: string | null;
  readonly argv: readonly string[];
  readonly script: string;
}

/** All entries so far, oldest first; an absent log or a torn line reads as nothing. */
export function readSimLog(path: string | undefined): SimLogEntry[] {
  if (!path) return [];
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const entries: SimLogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      entries.push(JSON.parse(line) as SimLogEntry);
    } catch {
      // a line cut short by a killed process: not an invocation we can count
    }
  }
  return entries;
}

/** Appends one entry as a single write, so concurrent fakes never interleave lines. */
export function appendSimLog(path: string | undefined, entry: SimLogEntry): void {
  if (!path) return;
  appendFileSync(path, `${JSON.stringify(entry)}\n`);
}
