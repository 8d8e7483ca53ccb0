import type { AuditEntry, AuditLog, ChainedAuditEntry } from '../ports.js';
import { chainNext } from '../audit-chain.js';
import { GENESIS_HASH } from '../limits.js';
import type { MemoryData } from './memory-data.js';

/** Appends run synchronously, so they are atomic; entries are kept as JSON like the stream. */
export class MemoryAuditLog implements AuditLog {
  constructor(private readonly data: MemoryData) {}

  async append(entry: AuditEntry): Promise<ChainedAuditEntry> {
    const last = this.data.audit.at(-1);
    const head = last ? (JSON.parse(last) as ChainedAuditEntry) : { seq: 0, hash: GENESIS_HASH };
    const next = chainNext(head, entry);
    this.data.audit.push(JSON.stringify(next));
    return next;
  }

  async read(runId?: string): Promise<ChainedAuditEntry[]> {
    const all = this.data.audit.map((text) => JSON.parse(text) as ChainedAuditEntry);
    return runId === undefined ? all : all.filter((e) => e.runId === runId);
  }
}
