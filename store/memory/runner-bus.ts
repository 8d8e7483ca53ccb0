import { RUNNER_GROUP } from '../../core/keys.js';
import type { RunnerBus, StreamEntry } from '../ports.js';
import { JOB_READ_COUNT, RESULTS_MAXLEN } from '../limits.js';
import type { BlockingWaits } from './blocking-waits.js';
import type { MemoryData } from './memory-data.js';
import { JOBS_STREAM, RESULTS_STREAM, streamOf } from './memory-data.js';

/** Same delivery rules as the Redis runner bus (store/redis/runner-bus.ts). */
export class MemoryRunnerBus implements RunnerBus {
  constructor(
    private readonly data: MemoryData,
    private readonly waits: BlockingWaits,
  ) {}

  async readJobs(server: string, consumer: string, blockMs: number): Promise<StreamEntry[]> {
    const stream = streamOf(this.data, JOBS_STREAM(server));
    const pending = stream.readPending(RUNNER_GROUP, consumer, JOB_READ_COUNT);
    if (pending.length > 0) return pending;
    return this.waits.readBlocking(stream, blockMs, () => stream.readNew(RUNNER_GROUP, consumer, JOB_READ_COUNT));
  }

  async ackJob(server: string, id: string): Promise<void> {
    streamOf(this.data, JOBS_STREAM(server)).ack(RUNNER_GROUP, id);
  }

  async publishResult(message: object): Promise<string> {
    return streamOf(this.data, RESULTS_STREAM).add(JSON.stringify(message), RESULTS_MAXLEN);
  }
}
