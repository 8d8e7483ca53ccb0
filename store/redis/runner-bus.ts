import type { Redis } from 'ioredis';
import type { KeyRegistry } from '../../core/keys.js';
import { RUNNER_GROUP } from '../../core/keys.js';
import { MESSAGE_FIELD } from '../../core/messages.js';
import type { RunnerBus, StreamEntry } from '../ports.js';
import { JOB_READ_COUNT, RESULTS_MAXLEN } from '../limits.js';
import type { BlockingConnections } from './connection.js';
import { GroupReader } from './group-reader.js';

/** The runner's side of the job bus: its server's job stream with RUNNER_GROUP, results out. */
export class RedisRunnerBus implements RunnerBus {
  private readonly reader: GroupReader;

  constructor(
    private readonly redis: Redis,
    blocking: BlockingConnections,
    private readonly keys: KeyRegistry,
  ) {
    this.reader = new GroupReader(redis, blocking, RUNNER_GROUP);
  }

  /**
   * Every call hands back the jobs delivered to this consumer and not acked yet before waiting
   * for new ones: a job is acked only once its result is published, so one interrupted by a
   * crash (or a step the runner put back) is executed again rather than lost.
   */
  async readJobs(server: string, consumer: string, blockMs: number): Promise<StreamEntry[]> {
    const key = this.keys.jobs(server);
    const pending = await this.reader.pending(key, consumer, JOB_READ_COUNT);
    if (pending.length > 0) return pending;
    return this.reader.fresh(key, consumer, JOB_READ_COUNT, blockMs);
  }

  async ackJob(server: string, id: string): Promise<void> {
    await this.reader.ack(this.keys.jobs(server), id);
  }

  async publishResult(message: object): Promise<string> {
    const id = await this.redis.xadd(
      this.keys.results, 'MAXLEN', '~', RESULTS_MAXLEN, '*', MESSAGE_FIELD, JSON.stringify(message),
    );
    if (id === null) throw new Error(`XADD to ${this.keys.results} returned no id`);
    return id;
  }
}
