import type { Redis } from 'ioredis';

/**
 * Creates consumer groups on first use (once per key per process). Groups start at id 0 so an
 * entry added before the reader ever started (a job sent while the runner was down) is delivered.
 */
export class ConsumerGroups {
  private readonly ready = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: Redis,
    private readonly group: string,
  ) {}

  ensure(key: string): Promise<void> {
    let done = this.ready.get(key);
    if (!done) {
      done = this.create(key);
      this.ready.set(key, done);
      done.catch(() => this.ready.delete(key));
    }
    return done;
  }

  /** Runs `op`, re-creating the group once if the stream or group vanished (NOGROUP). */
  async withGroup<T>(key: string, op: () => Promise<T>): Promise<T> {
    await this.ensure(key);
    try {
      return await op();
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOGROUP')) throw err;
      this.ready.delete(key);
      await this.ensure(key);
      return op();
    }
  }

  private async create(key: string): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', key, this.group, '0', 'MKSTREAM');
    } catch (err) {
      // another process created it first: that is the normal case after the first start
      if (!(err instanceof Error) || !err.message.startsWith('BUSYGROUP')) throw err;
    }
  }
}
