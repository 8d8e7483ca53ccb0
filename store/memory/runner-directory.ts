import type { RunnerDirectory, RunnerInfo } from '../ports.js';
import { runnerFromFields, runnerToFields } from '../runner-fields.js';
import type { MemoryData } from './memory-data.js';

export class MemoryRunnerDirectory implements RunnerDirectory {
  constructor(private readonly data: MemoryData) {}

  async heartbeat(info: RunnerInfo): Promise<void> {
    this.data.runners.set(info.server, runnerToFields(info));
  }

  async get(server: string): Promise<RunnerInfo | null> {
    const fields = this.data.runners.get(server);
    return fields ? runnerFromFields(fields) : null;
  }

  /** Newest heartbeat first; ties in reverse server order, as ZREVRANGE returns them. */
  async list(): Promise<RunnerInfo[]> {
    return [...this.data.runners.values()]
      .map(runnerFromFields)
      .filter((r) => r !== null)
      .sort((a, b) => b.heartbeatAt - a.heartbeatAt || (a.server < b.server ? 1 : a.server > b.server ? -1 : 0));
  }
}
