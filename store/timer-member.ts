import type { DueTimer } from './ports.js';

/** "<runId>|<name>": run ids contain no '|', so the first one separates (names may hold any). */
export function timerMember(runId: string, name: string): string {
  return `${runId}|${name}`;
}

export function parseTimerMember(member: string, dueAt: number): DueTimer | null {
  const at = member.indexOf('|');
  if (at <= 0) return null;
  return { runId: member.slice(0, at), name: member.slice(at + 1), dueAt };
}
