import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createRedisStores } from '../../store/redis/create-redis-stores.js';
import type { Stores } from '../../store/ports.js';
import { TEST_REDIS_URL, cleanupPrefix } from '../helpers/redis.js';
import {
  ResultCollector,
  TEST_MASTER,
  cleanupRunners,
  loadScenarioFixture,
  makeJob,
  runJob,
  runnerTestPrefix,
  sendRawJobEntry,
  signJob,
  startRunner,
  type RunnerHandle,
} from '../helpers/runner.js';

/** Anything but a signed, fresh, catalog job for this very server is refused, and nothing runs. */
describe('runner: refusing jobs', () => {
  const prefix = runnerTestPrefix('refuse');
  const base = loadScenarioFixture('sfb2015-enterprise');
  const server = base.server;
  const product = 'sfb2015';
  let admin: Redis;
  let stores: Stores;
  let results: ResultCollector;
  let runner: RunnerHandle;

  beforeAll(() => {
    admin = new Redis(TEST_REDIS_URL, { protocol: 2 });
    stores = createRedisStores({ redisUrl: TEST_REDIS_URL, prefix, connectionName: `test-bot-${prefix}` });
    results = new ResultCollector(stores.botBus);
    runner = startRunner({ server, prefix, scenario: base });
  });

  afterAll(async () => {
    await cleanupRunners();
    await stores.close();
    await cleanupPrefix(admin, prefix);
    await admin.quit();
  });

  async function expectRefused(message: Record<string, unknown> & { jobId: string }, errorCode: string) {
    await stores.botBus.sendJob(server, message);
    const result = await results.waitForFinished(message.jobId);
    expect(result).toMatchObject({ outcome: 'refused', errorCode, exitCode: null, server, tail: [], data: {} });
    expect(result.message).toEqual(expect.any(String));
    expect(results.messagesFor(message.jobId)).toEqual([result]);
    return result;
  }

  const valid = () => makeJob({ server, stepId: 'stop-w3svc', params: { product } });

  it('refuses an unsigned job', async () => {
    await expectRefused(valid(), 'job_unsigned');
  });

  it('refuses a job altered after signing', async () => {
    const job = signJob(valid());
    await expectRefused({ ...job, params: { product: 'lync2013' } }, 'job_signature_invalid');
  });

  it('refuses a job signed with another server\'s key', async () => {
    await expectRefused(signJob(valid(), TEST_MASTER, 'fe9999.contoso.com'), 'job_signature_invalid');
  });

  it('refuses a job addressed to another server, even with a valid signature', async () => {
    const job = signJob({ ...valid(), server: 'fe9999.contoso.com' }, TEST_MASTER, server);
    const result = await expectRefused(job, 'job_wrong_server');
    expect(result.message).toContain('fe9999.contoso.com');
  });

  it('refuses a step that is not in the catalog', async () => {
    await expectRefused(signJob(makeJob({ server, stepId: 'format-disk', params: { product } })), 'unknown_step');
  });

  it('refuses parameters that fail the step\'s schema', async () => {
    const job = makeJob({
      server,
      stepId: 'update-databases',
      params: { product, variant: 'enterprise', sqlServerFqdn: "sql1501.contoso.com'; Remove-Item C:\\ -Recurse; '" },
    });
    await expectRefused(signJob(job), 'param_invalid');
  });

  it('refuses a signed job of the wrong shape', async () => {
    await expectRefused(signJob({ ...valid(), attempt: 0 }), 'job_malformed');
  });

  it('refuses a job too old to trust', async () => {
    await expectRefused(signJob(makeJob({ server, stepId: 'stop-w3svc', params: { product }, issuedAt: Date.now() - 25 * 3600_000 })), 'job_replayed');
  });

  it('runs a job once and refuses the same job sent again', async () => {
    const { job, result } = await runJob(stores.botBus, results, { server, stepId: 'stop-w3svc', params: { product } });
    expect(result.outcome).toBe('succeeded');
    const again = await stores.botBus.sendJob(server, job).then(() => results.waitFor((m) => m.jobId === job.jobId && m.type === 'finished' && m !== result, 'the replay result'));
    expect(again).toMatchObject({ type: 'finished', outcome: 'refused', errorCode: 'job_replayed' });
  });

  it('answers nothing to an entry without usable ids, and goes on', async () => {
    const before = results.all.length;
    await sendRawJobEntry(admin, prefix, server, 'this is not JSON');
    await stores.botBus.sendJob(server, { jobId: 'short', runId: 'RUN!', stepId: 'stop-w3svc' });
    const { job, result } = await runJob(stores.botBus, results, { server, stepId: 'start-w3svc', params: { product } });
    expect(result.outcome).toBe('succeeded');
    // Entries are handled in order, so anything published for the two unreadable ones would
    // have arrived before this job's result.
    expect(results.all.slice(before).map((m) => m.jobId)).toEqual(results.all.slice(before).map(() => job.jobId));
  });

  it('never ran a refused job', () => {
    expect(runner.simLog().map((e) => e.stepId)).toEqual(['detect-facts', 'stop-w3svc', 'start-w3svc']);
  });
});
