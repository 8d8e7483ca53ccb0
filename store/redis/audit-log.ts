import type { Redis } from 'ioredis';
import type { KeyRegistry } from '../../core/keys.js';
import { MESSAGE_FIELD } from '../../core/messages.js';
import type { AuditEntry, AuditLog, ChainedAuditEntry } from '../ports.js';
import { chainNext } from '../audit-chain.js';
import { formatAuditHead, parseAuditHead } from '../audit-head.js';
import { LuaScript } from './lua-script.js';
import { APPEND_AUDIT } from './lua/append-audit.js';
import { parseEntryList } from './stream-reply.js';

const appendAudit = new LuaScript(APPEND_AUDIT);
/** generous: each lost race means another writer succeeded, so this only trips on a livelock */
const MAX_ATTEMPTS = 1000;
const PAGE = 1000;

/**
 * The audit trail: a stream that is never trimmed (an audit log with a hole cannot be verified
 * from genesis), each entry chained to the previous by hash (store/audit-chain.ts). The head is
 * read, the next entry hashed in Node, and written only if the head is unchanged (CAS script).
 */
export class RedisAuditLog implements AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeyRegistry,
  ) {}

  async append(entry: AuditEntry): Promise<ChainedAuditEntry> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const headText = (await this.redis.get(this.keys.auditHead)) ?? '';
      const next = chainNext(parseAuditHead(headText), entry);
      const id = await appendAudit.run(
        this.redis,
        [this.keys.audit, this.keys.auditHead],
        [headText, formatAuditHead(next), MESSAGE_FIELD, JSON.stringify(next)],
      );
      if (typeof id === 'string') return next;
    }
    throw new Error(`audit append lost the race ${MAX_ATTEMPTS} times; check for a writer looping on ${this.keys.auditHead}`);
  }

  async read(runId?: string): Promise<ChainedAuditEntry[]> {
    const out: ChainedAuditEntry[] = [];
    let start = '-';
    for (;;) {
      const page = parseEntryList(await this.redis.call('XRANGE', this.keys.audit, start, '+', 'COUNT', PAGE)).entries;
      for (const { raw } of page) {
        const e = JSON.parse(raw) as ChainedAuditEntry;
        if (runId === undefined || e.runId === runId) out.push(e);
      }
      const last = page.at(-1);
      if (page.length < PAGE || !last) return out;
      start = `(${last.id}`;
    }
  }
}
