import type { LockGrant, ServerLocks } from '../ports.js';
import type { MemoryData } from './memory-data.js';

/** Same rules as the Redis locks: no expiry, tokens drawn only on a grant, same-run re-acquire. */
export class MemoryServerLocks implements ServerLocks {
  constructor(private readonly data: MemoryData) {}

  async acquire(server: string, runId: string): Promise<LockGrant | null> {
    const cur = this.data.locks.get(server);
    if (cur) return cur.runId === runId ? { ...cur } : null;
    const token = (this.data.fences.get(server) ?? 0) + 1;
    this.data.fences.set(server, token);
    this.data.locks.set(server, { runId, token });
    return { runId, token };
  }

  async holder(server: string): Promise<LockGrant | null> {
    const cur = this.data.locks.get(server);
    return cur ? { ...cur } : null;
  }

  async release(server: string, grant: LockGrant): Promise<boolean> {
    const cur = this.data.locks.get(server);
    if (!cur || cur.runId !== grant.runId || cur.token !== grant.token) return false;
    this.data.locks.delete(server);
    return true;
  }
}
