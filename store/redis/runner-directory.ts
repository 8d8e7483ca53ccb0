import type { Redis } from 'ioredis';
import type { KeyRegistry } from '../../core/keys.js';
import type { RunnerDirectory, RunnerInfo } from '../ports.js';
import { runnerFromFields, runnerToFields } from '../runner-fields.js';

/** Runner registrations: one hash per server plus a sorted set server -> last heartbeat. */
export class RedisRunnerDirectory implements RunnerDirectory {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeyRegistry,
  ) {}

  async heartbeat(info: RunnerInfo): Promise<void> {
    // two slots ({srv:…} and the global index), so a pipeline rather than MULTI; the next
    // heartbeat repairs either half if the process dies in between
    await this.redis
      .pipeline()
      .hset(this.keys.runner(info.server), runnerToFields(info))
      .zadd(this.keys.runners, info.heartbeatAt, info.server)
      .exec();
  }

  async get(server: string): Promise<RunnerInfo | null> {
    return runnerFromFields(await this.redis.hgetall(this.keys.runner(server)));
  }

  /** Newest heartbeat first. */
  async list(): Promise<RunnerInfo[]> {
    const servers = await this.redis.zrevrange(this.keys.runners, 0, -1);
    if (servers.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const s of servers) pipe.hgetall(this.keys.runner(s));
    const replies = (await pipe.exec()) ?? [];
    const out: RunnerInfo[] = [];
    for (const [err, fields] of replies) {
      if (err) throw err;
      const info = runnerFromFields(fields as Record<string, string>);
      if (info) out.push(info);
    }
    return out;
  }
}
