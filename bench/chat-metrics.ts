/** Figures computed from the fake Slack's call log after a pass of benchmark (c). */
import type { RecordedCall } from '../test/helpers/fake-slack.js';

/** How many items fall under each key, e.g. calls per Web API method. */
export function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

/**
 * The chat writes relabelled so each run counts as its own "channel": the parent post, its
 * edits and every reply in its thread. Shows whether one run alone stays under Slack's pace.
 */
export function byThread(calls: readonly RecordedCall[]): RecordedCall[] {
  return calls.map((c) => {
    const thread = c.method === 'chat.update' ? c.body.ts : (c.body.thread_ts ?? c.response?.ts);
    return { ...c, channel: `${c.channel ?? ''}|${String(thread)}` };
  });
}

/** Gaps between consecutive edits of the same message, in ms: the per-run coalescing at work. */
export function editGaps(calls: readonly RecordedCall[]): number[] {
  const last = new Map<string, number>();
  const gaps: number[] = [];
  for (const c of calls) {
    if (c.method !== 'chat.update') continue;
    const key = `${c.channel ?? ''}|${String(c.body.ts)}`;
    const before = last.get(key);
    if (before !== undefined) gaps.push(c.at - before);
    last.set(key, c.at);
  }
  return gaps;
}
