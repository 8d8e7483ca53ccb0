import type { LockGrant } from './ports.js';

/** "<runId>:<token>" as stored in the lock key; run ids contain no ':', the token is after the last. */
export function parseLockValue(value: string | null | undefined): LockGrant | null {
  if (!value) return null;
  const at = value.lastIndexOf(':');
  const token = Number(value.slice(at + 1));
  if (at <= 0 || !Number.isSafeInteger(token)) return null;
  return { runId: value.slice(0, at), token };
}
