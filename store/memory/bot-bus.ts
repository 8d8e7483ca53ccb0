import { BOT_GROUP } from '../../core/keys.js';
import type { BotBus, StreamEntry } from '../ports.js';
import { JOBS_MAXLEN } from '../limits.js';
import type { BlockingWaits } from './blocking-waits.js';
import type { MemoryData } from './memory-data.js';
import { JOBS_STREAM, RESULTS_STREAM, streamOf } from './memory-data.js';

/** Same delivery rules as the Redis bot bus (store/redis/bot-bus.ts). */
export class MemoryBotBus implements BotBus {
  /** consumers whose pending backlog was read empty since this instance started */
  private readonly drained = new Set<string>();

  constructor(
    private readonly data: MemoryData,
    private readonly waits: BlockingWaits,
  ) {}

  async sendJob(server: string, message: object): Promise<string> {
    return streamOf(this.data, JOBS_STREAM(server)).add(JSON.stringify(message), JOBS_MAXLEN);
  }

  async readResults(consumer: string, blockMs: number, count: number): Promise<StreamEntry[]> {
    const stream = streamOf(this.data, RESULTS_STREAM);
    if (!this.drained.has(consumer)) {
      const backlog = stream.readPending(BOT_GROUP, consumer, count);
      if (backlog.length > 0) return backlog;
      this.drained.add(consumer);
    }
    return this.waits.readBlocking(stream, blockMs, () => stream.readNew(BOT_GROUP, consumer, count));
  }

  async ackResult(id: string): Promise<void> {
    streamOf(this.data, RESULTS_STREAM).ack(BOT_GROUP, id);
  }

  async claimStaleResults(consumer: string, minIdleMs: number, count: number): Promise<StreamEntry[]> {
    return streamOf(this.data, RESULTS_STREAM).autoClaim(BOT_GROUP, consumer, minIdleMs, count);
  }
}
