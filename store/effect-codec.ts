import type { EffectQueue, QueuedEffect } from './ports.js';

/** Both queues in their fixed order (the order of the two outbox lists in the Lua scripts). */
export const EFFECT_QUEUES: readonly EffectQueue[] = ['slack', 'control'];

/** A run document as stored: the version first, so a script can read it without decoding. */
export function encodeRun(version: number, run: object): string {
  return `{"version":${version},"value":${JSON.stringify(run)}}`;
}

export function decodeRun<T>(text: string): { value: T; version: number } {
  const doc = JSON.parse(text) as { version: number; value: T };
  return { value: doc.value, version: doc.version };
}

/** An effect as stored: JSON that starts with its id (see effectPrefix). */
export function encodeEffect(effect: QueuedEffect): string {
  return JSON.stringify({ id: effect.id, payload: effect.payload });
}

export function decodeEffect(text: string): QueuedEffect {
  const e = JSON.parse(text) as { id: string; payload: Record<string, unknown> };
  return { id: e.id, payload: e.payload };
}

/** The exact start of encodeEffect's output for an id; compared by the pop script. */
export function effectPrefix(id: string): string {
  return `{"id":${JSON.stringify(id)},`;
}

/** "<runId>|<queue>": run ids never contain '|', the queue is the part after the last one. */
export function readyMember(runId: string, queue: EffectQueue): string {
  return `${runId}|${queue}`;
}

export function parseReadyMember(member: string): { runId: string; queue: EffectQueue } | null {
  const at = member.lastIndexOf('|');
  const queue = member.slice(at + 1);
  if (at <= 0 || (queue !== 'slack' && queue !== 'control')) return null;
  return { runId: member.slice(0, at), queue };
}
