import { GENESIS_HASH } from './limits.js';

/** The audit chain head as stored: "<seq>:<hash>"; '' (or missing) is the empty log. */
export function parseAuditHead(text: string): { seq: number; hash: string } {
  const at = text.indexOf(':');
  if (at <= 0) return { seq: 0, hash: GENESIS_HASH };
  return { seq: Number(text.slice(0, at)), hash: text.slice(at + 1) };
}

export function formatAuditHead(head: { seq: number; hash: string }): string {
  return `${head.seq}:${head.hash}`;
}
