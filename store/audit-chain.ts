import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/signing.js';
import type { AuditEntry, ChainedAuditEntry } from './ports.js';
import { GENESIS_HASH } from './limits.js';

export { GENESIS_HASH };

/**
 * The hash that links an audit entry to the one before it, shared by both stores and any
 * verifier: sha256(prevHash + canonicalJson(entry without seq, prevHash and hash)).
 * An AuditEntry has no top-level `sig`, the one key canonicalJson leaves out, so all of it is covered.
 *
 * @example chainHash(GENESIS_HASH, { at: 1, actor: 'U1', action: 'start', runId: null, planHash: null, detail: {} })
 */
export function chainHash(prevHash: string, entry: AuditEntry): string {
  const { seq: _seq, prevHash: _prev, hash: _hash, ...body } = entry as Partial<ChainedAuditEntry> & AuditEntry;
  return createHash('sha256').update(prevHash + canonicalJson(body)).digest('hex');
}

/** Builds the entry that follows a head (seq 0 and GENESIS_HASH for an empty log). */
export function chainNext(head: { seq: number; hash: string }, entry: AuditEntry): ChainedAuditEntry {
  return { ...entry, seq: head.seq + 1, prevHash: head.hash, hash: chainHash(head.hash, entry) };
}

/**
 * Index of the first entry that does not link to its predecessor or whose hash is wrong,
 * or -1 when the whole list is one intact chain. `from` is the hash before the first entry.
 */
export function findChainBreak(entries: readonly ChainedAuditEntry[], from: string = GENESIS_HASH): number {
  let prev = from;
  for (const [i, e] of entries.entries()) {
    if (e.prevHash !== prev || e.hash !== chainHash(prev, e)) return i;
    prev = e.hash;
  }
  return -1;
}
