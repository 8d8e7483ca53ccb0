import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { ResultMessage } from '../../core/messages.js';
import { createRedisStores } from '../../store/redis/create-redis-stores.js';
import type { Stores } from '../../store/ports.js';
import { TEST_REDIS_URL, cleanupPrefix } from '../helpers/redis.js';
import { ResultCollector, cleanupRunners, loadScenarioFixture, runJob, runnerTestPrefix, startRunner, type RunnerHandle } from '../helpers/runner.js';

type Output = Extract<ResultMessage, { type: 'output' }>;

/** Output lines travel as ordered batches before the step's result; data lines become `data`. */
describe('runner: output streaming', () => {
  const prefix = runnerTestPrefix('output');
  const base = loadScenarioFixture('sfb2019-standard');
  const chatty = Array.from({ length: 120 }, (_, i) => `line ${i + 1} of the installer's chatter`);
  const scenario = {
    ...base,
    print: {
      'open-shell': [...chatty.slice(0, 60), 'CSPATCH:{"extra":{"n":1}}', 'CSPATCH:{not json', ...chatty.slice(60)],
      'check-pending-reboot': ['checking the reboot keys'],
    },
    pendingReboot: true,
  };
  let admin: Redis;
  let stores: Stores;
  let results: ResultCollector;
  let runner: RunnerHandle;

  beforeAll(() => {
    admin = new Redis(TEST_REDIS_URL, { protocol: 2 });
    stores = createRedisStores({ redisUrl: TEST_REDIS_URL, prefix, connectionName: `test-bot-${prefix}` });
    results = new ResultCollector(stores.botBus);
    runner = startRunner({ server: base.server, prefix, scenario });
  });

  afterAll(async () => {
    await cleanupRunners();
    await stores.close();
    await cleanupPrefix(admin, prefix);
    await admin.quit();
  });

  it('sends every line, in seq order, before the finished result; data lines are merged, not shown', async () => {
    const { job, result } = await runJob(stores.botBus, results, { server: base.server, stepId: 'open-shell', params: { product: 'sfb2019' } });
    const messages = results.messagesFor(job.jobId);
    expect(messages[0]?.type).toBe('started');
    expect(messages.at(-1)).toBe(result);
    const outputs = messages.filter((m): m is Output => m.type === 'output');
    expect(outputs.length).toBeGreaterThan(1);
    expect(outputs.map((o) => o.seq)).toEqual(outputs.map((_, i) => i + 1));
    expect(outputs.flatMap((o) => o.lines)).toEqual([...chatty.slice(0, 60), 'CSPATCH:{not json', ...chatty.slice(60)].map((text) => ({ stream: 'stdout', text })));

    expect(result.outcome).toBe('succeeded');
    expect(result.exitCode).toBe(0);
    expect(result.data).toEqual({ extra: { n: 1 }, module: 'SkypeForBusiness', moduleVersion: base.versionBefore, processId: runner.simLog().at(-1)?.pid });
    expect(result.tail).toEqual(chatty.slice(-20));
  });

  it('reports a failing step with its exit code, its stderr lines and the tail', async () => {
    const { job, result } = await runJob(stores.botBus, results, { server: base.server, stepId: 'check-pending-reboot', params: { product: 'sfb2019' } });
    const lines = results.messagesFor(job.jobId).flatMap((m) => (m.type === 'output' ? m.lines : []));
    // Two pipes: the order between stdout and stderr is not defined, the contents are.
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual(['checking the reboot keys']);
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual(['a reboot is pending on this server; restart it before patching']);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 25, errorCode: 'step_failed', data: { pendingReboot: true, reasons: ['pending-file-rename'] } });
    expect([...result.tail].sort()).toEqual(['a reboot is pending on this server; restart it before patching', 'checking the reboot keys']);
  });
});
