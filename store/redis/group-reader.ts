import type { Redis } from 'ioredis';
import type { StreamEntry } from '../ports.js';
import type { BlockingConnections } from './connection.js';
import { ConsumerGroups } from './consumer-group.js';
import { parseReadGroupReply } from './stream-reply.js';

/**
 * Reads one stream as a member of one consumer group, the part the bot's results reader and the
 * runner's job reader share: the consumer's own pending entries (id 0) or new ones ('>').
 */
export class GroupReader {
  readonly groups: ConsumerGroups;

  constructor(
    private readonly redis: Redis,
    private readonly blocking: BlockingConnections,
    private readonly group: string,
  ) {
    this.groups = new ConsumerGroups(redis, group);
  }

  /** Entries delivered to `consumer` and not acked yet, oldest first. */
  async pending(key: string, consumer: string, count: number): Promise<StreamEntry[]> {
    for (;;) {
      const reply = await this.groups.withGroup(key, () =>
        this.redis.call('XREADGROUP', 'GROUP', this.group, consumer, 'COUNT', count, 'STREAMS', key, '0'),
      );
      const { entries, gone } = parseReadGroupReply(reply);
      if (gone.length === 0) return entries;
      // trimmed away while pending: nothing left to deliver, so drop them from the PEL and look again
      await this.redis.xack(key, this.group, ...gone);
      if (entries.length > 0) return entries;
    }
  }

  /**
   * New entries, waiting up to `blockMs` (0 = do not wait) on a connection of the reader's own.
   * Returns [] when the store is closed while waiting.
   */
  async fresh(key: string, consumer: string, count: number, blockMs: number): Promise<StreamEntry[]> {
    if (this.blocking.isClosed) return [];
    const block = blockMs > 0 ? ['BLOCK', Math.ceil(blockMs)] : [];
    const conn = blockMs > 0 ? this.blocking.get(`${key}\n${consumer}`) : this.redis;
    try {
      const reply = await this.groups.withGroup(key, () =>
        conn.call('XREADGROUP', 'GROUP', this.group, consumer, 'COUNT', count, ...block, 'STREAMS', key, '>'),
      );
      return parseReadGroupReply(reply).entries;
    } catch (err) {
      if (this.blocking.isClosed) return [];
      throw err;
    }
  }

  async ack(key: string, id: string): Promise<void> {
    await this.redis.xack(key, this.group, id);
  }
}
