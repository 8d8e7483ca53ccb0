import { z } from 'zod';
import { GENESIS_HASH, chainHash } from './audit-chain.js';
import type { ChainedAuditEntry } from './ports.js';

/**
 * Checks an exported audit trail (JSON lines, one chained entry each, as `cspatch audit export`
 * writes them) without trusting anything in it: every entry's hash is recomputed from its
 * content and its prevHash, and every prevHash must be the hash of the entry before.
 */
export type AuditVerdict =
  | {
      readonly ok: true;
      readonly count: number;
      /** the first entry's seq (1 for a whole trail); null for an empty file */
      readonly first: number | null;
      /** the last entry's seq and hash; null for an empty file */
      readonly head: { readonly seq: number; readonly hash: string } | null;
      /** partial mode only: places where entries of other runs were left out */
      readonly gaps: number;
    }
  | {
      readonly ok: false;
      /** entries that checked out before the break */
      readonly count: number;
      /** 1-based line of the file */
      readonly line: number;
      /** the broken entry's seq, when it has one */
      readonly seq: number | null;
      readonly reason: string;
    };

const HEX64 = /^[0-9a-f]{64}$/;

const entrySchema = z.looseObject({
  seq: z.number().int().positive(),
  prevHash: z.string().regex(HEX64),
  hash: z.string().regex(HEX64),
  at: z.number(),
  actor: z.string(),
  action: z.string(),
  runId: z.string().nullable(),
  planHash: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});

/** One line as an entry, or why it is not one. The raw object is kept: all of it is hashed. */
export function parseAuditLine(text: string): { entry: ChainedAuditEntry } | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: 'not JSON' };
  }
  const parsed = entrySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: `not an audit entry (${issue ? `${issue.path.join('.') || 'entry'}: ${issue.message}` : 'wrong shape'})` };
  }
  return { entry: json as ChainedAuditEntry };
}

export interface VerifyOptions {
  /**
   * An export of one run (`--run`) holds only that run's entries: allow gaps in seq, check each
   * entry's own hash, and check links only between entries that follow each other directly.
   */
  readonly partial?: boolean;
}

/**
 * Verifies lines in order and stops at the first break. Blank lines are ignored.
 *
 * @example verifyAuditLines(readFileSync('audit.jsonl', 'utf8').split('\n'))
 */
export function verifyAuditLines(lines: Iterable<string>, opts: VerifyOptions = {}): AuditVerdict {
  let prev: ChainedAuditEntry | null = null;
  let first: number | null = null;
  let count = 0;
  let gaps = 0;
  let lineNo = 0;
  for (const text of lines) {
    lineNo += 1;
    if (text.trim() === '') continue;
    const parsed = parseAuditLine(text);
    if ('problem' in parsed) return { ok: false, count, line: lineNo, seq: seqOf(text), reason: parsed.problem };
    const e = parsed.entry;
    const broken = (reason: string): AuditVerdict => ({ ok: false, count, line: lineNo, seq: e.seq, reason });
    // The entry's own content first: an edited entry is named, not the one after it.
    if (e.hash !== chainHash(e.prevHash, e)) return broken("its hash does not match its content: the entry was changed after it was written");
    if (prev === null) {
      if (!opts.partial && e.seq !== 1) return broken('the trail does not start at seq 1: entries before it are missing');
      if (e.seq === 1 && e.prevHash !== GENESIS_HASH) return broken('seq 1 does not link to the genesis hash');
    } else if (e.seq === prev.seq + 1) {
      if (e.prevHash !== prev.hash) return broken(`its prevHash is not the hash of seq ${prev.seq}: an entry before it was changed, removed or replaced`);
    } else if (!opts.partial || e.seq <= prev.seq) {
      return broken(`seq ${e.seq} follows seq ${prev.seq}: entries are missing or out of order`);
    } else {
      gaps += 1;
    }
    first ??= e.seq;
    prev = e;
    count += 1;
  }
  return { ok: true, count, first, head: prev ? { seq: prev.seq, hash: prev.hash } : null, gaps };
}

/** The seq of a line that is not a valid entry, if one can be read from it at all. */
function seqOf(text: string): number | null {
  try {
    const v: unknown = JSON.parse(text);
    const seq = v && typeof v === 'object' ? (v as { seq?: unknown }).seq : undefined;
    return typeof seq === 'number' && Number.isInteger(seq) ? seq : null;
  } catch {
    return null;
  }
}
