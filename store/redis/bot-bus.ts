import type { Redis } from 'ioredis';
import type { KeyRegistry } from '../../core/keys.js';
import { BOT_GROUP } from '../../core/keys.js';
import { MESSAGE_FIELD } from '../../core/messages.js';
import type { BotBus, StreamEntry } from '../ports.js';
import { JOBS_MAXLEN } from '../limits.js';
import type { BlockingConnections } from './connection.js';
import { GroupReader } from './group-reader.js';
import { parseAutoClaimReply } from './stream-reply.js';

/** The bot's side of the job bus: jobs out on each server's stream, results in with BOT_GROUP. */
export class RedisBotBus implements BotBus {
  private readonly reader: GroupReader;
  /** consumers whose pending backlog was read empty since this process started */
  private readonly drained = new Set<string>();

  constructor(
    private readonly redis: Redis,
    blocking: BlockingConnections,
    private readonly keys: KeyRegistry,
  ) {
    this.reader = new GroupReader(redis, blocking, BOT_GROUP);
  }

  async sendJob(server: string, message: object): Promise<string> {
    const id = await this.redis.xadd(
      this.keys.jobs(server), 'MAXLEN', '~', JOBS_MAXLEN, '*', MESSAGE_FIELD, JSON.stringify(message),
    );
    if (id === null) throw new Error(`XADD to ${this.keys.jobs(server)} returned no id`);
    return id;
  }

  /**
   * After a start, the consumer's pending entries come back first until none are left; from then
   * on only new ones, so one result that keeps failing cannot starve the rest (claimStaleResults
   * picks it up again once it has been idle long enough).
   */
  async readResults(consumer: string, blockMs: number, count: number): Promise<StreamEntry[]> {
    const key = this.keys.results;
    if (!this.drained.has(consumer)) {
      const backlog = await this.reader.pending(key, consumer, count);
      if (backlog.length > 0) return backlog;
      this.drained.add(consumer);
    }
    return this.reader.fresh(key, consumer, count, blockMs);
  }

  async ackResult(id: string): Promise<void> {
    await this.reader.ack(this.keys.results, id);
  }

  async claimStaleResults(consumer: string, minIdleMs: number, count: number): Promise<StreamEntry[]> {
    const key = this.keys.results;
    const reply = await this.reader.groups.withGroup(key, () =>
      this.redis.call('XAUTOCLAIM', key, BOT_GROUP, consumer, Math.max(0, Math.floor(minIdleMs)), '0-0', 'COUNT', count),
    );
    const { entries, gone } = parseAutoClaimReply(reply);
    if (gone.length > 0) await this.redis.xack(key, BOT_GROUP, ...gone);
    return entries;
  }
}
