/**
 * The generic cell rate algorithm shared by both pacers: given the channel's theoretical arrival
 * time, either the next TAT (the write may go) or how long to wait.
 */
export function nextPace(tat: number, now: number, intervalMs: number, burst: number): { wait: number; tat: number } {
  const start = Math.max(tat, now);
  const allowAt = start - intervalMs * (Math.max(1, burst) - 1);
  if (now < allowAt) return { wait: allowAt - now, tat };
  return { wait: 0, tat: start + intervalMs };
}
