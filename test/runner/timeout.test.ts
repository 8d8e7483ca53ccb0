import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createRedisStores } from '../../store/redis/create-redis-stores.js';
import type { Stores } from '../../store/ports.js';
import { TEST_REDIS_URL, cleanupPrefix } from '../helpers/redis.js';
import {
  ResultCollector,
  cleanupRunners,
  loadScenarioFixture,
  processGone,
  runJob,
  runnerTestPrefix,
  startRunner,
  waitUntil,
  type RunnerHandle,
} from '../helpers/runner.js';

/** A step that never ends is killed with everything it started, and the runner carries on. */
describe('runner: step timeout', () => {
  const prefix = runnerTestPrefix('timeout');
  const base = loadScenarioFixture('lync2013-enterprise');
  let admin: Redis;
  let stores: Stores;
  let results: ResultCollector;
  let runner: RunnerHandle;

  beforeAll(() => {
    admin = new Redis(TEST_REDIS_URL, { protocol: 2 });
    stores = createRedisStores({ redisUrl: TEST_REDIS_URL, prefix, connectionName: `test-bot-${prefix}` });
    results = new ResultCollector(stores.botBus);
    runner = startRunner({
      server: base.server,
      prefix,
      scenario: { ...base, hang: ['stop-w3svc'] },
      // stop-w3svc is a "service" step: one second for that kind only
      env: { CSPATCH_STEP_TIMEOUTS: 'service=1' },
    });
  });

  afterAll(async () => {
    await cleanupRunners();
    await stores.close();
    await cleanupPrefix(admin, prefix);
    await admin.quit();
  });

  it('reports timed_out and leaves no process of the step behind', async () => {
    const { job, result } = await runJob(stores.botBus, results, { server: base.server, stepId: 'stop-w3svc', params: { product: 'lync2013' } });
    expect(result).toMatchObject({ outcome: 'timed_out', errorCode: 'step_timed_out', exitCode: null });
    expect(result.message).toMatch(/limit/);

    const hangLine = results
      .messagesFor(job.jobId)
      .flatMap((m) => (m.type === 'output' ? m.lines : []))
      .map((l) => /helper process (\d+)/.exec(l.text))
      .find(Boolean);
    const helperPid = Number(hangLine?.[1]);
    const fakePid = runner.simLog().find((e) => e.stepId === 'stop-w3svc')?.pid ?? -1;
    expect(helperPid).toBeGreaterThan(0);
    expect(fakePid).toBeGreaterThan(0);
    // The runner reaped its child before reporting; the grandchild is reaped by init.
    expect(processGone(fakePid)).toBe(true);
    await waitUntil(() => processGone(helperPid), `the helper process ${helperPid} to be gone`);
  });

  it('takes the next job afterwards', async () => {
    const { result } = await runJob(stores.botBus, results, { server: base.server, stepId: 'start-w3svc', params: { product: 'lync2013' } });
    expect(result.outcome).toBe('succeeded');
    expect(runner.simLog().map((e) => e.stepId)).toEqual(['detect-facts', 'stop-w3svc', 'start-w3svc']);
  });
});
