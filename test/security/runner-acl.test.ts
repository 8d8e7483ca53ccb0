/**
 * One Redis ACL user per runner (docs/runner-acl.md): a real runner logged in as its own user
 * registers, takes a job and reports it; the same user cannot read another server's jobs, write
 * another runner's registration, read the shared results or touch any run. The users are created
 * with random names on the local Redis and deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { createKeys, RUNNER_GROUP } from '../../core/keys.js';
import { MESSAGE_FIELD } from '../../core/messages.js';
import { parseScenario } from '../../sim/scenario.js';
import type { Stores } from '../../store/ports.js';
import { openRedis } from '../../store/redis/connection.js';
import { createRedisStores } from '../../store/redis/create-redis-stores.js';
import { runnerAclCommand, runnerAclRules } from '../../store/redis/runner-acl.js';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { cleanupRunners, REPO_ROOT, ResultCollector, runJob, runnerTestPrefix, waitUntil } from '../helpers/runner.js';
import { readyRunner, scenarioFor } from './support.js';

const prefix = runnerTestPrefix('acl');
const keys = createKeys(prefix);
const tag = randomBytes(4).toString('hex');
// Names of this run only: CLIENT LIST below must not see another run's runner.
const A = scenarioFor('sfb2015-standard', `se-acl-a-${tag}.contoso.com`);
const B = scenarioFor('sfb2015-standard', `se-acl-b-${tag}.contoso.com`);
const serverA = parseScenario(A).server;
const serverB = parseScenario(B).server;
const users = {
  a: { name: `cspatch-test-runner-a-${tag}`, password: randomBytes(24).toString('hex') },
  b: { name: `cspatch-test-runner-b-${tag}`, password: randomBytes(24).toString('hex') },
};
const urlFor = (u: { name: string; password: string }) => `redis://${u.name}:${u.password}@127.0.0.1:6379`;

let admin: Redis;
let stores: Stores;
let asA: Redis;

beforeAll(async () => {
  admin = openRedis(TEST_REDIS_URL, 'security-acl-admin');
  stores = createRedisStores({ redisUrl: TEST_REDIS_URL, prefix, connectionName: 'security-acl-bot' });
  await admin.call('ACL', 'SETUSER', users.a.name, 'reset', 'on', `>${users.a.password}`, ...runnerAclRules(keys, serverA));
  await admin.call('ACL', 'SETUSER', users.b.name, 'reset', 'on', `>${users.b.password}`, ...runnerAclRules(keys, serverB));
  // Runner B's stream exists, as it would in production, so a refusal cannot be "no such key".
  await stores.botBus.sendJob(serverB, { note: 'for B only' });
  asA = new Redis(urlFor(users.a), { protocol: 2, enableReadyCheck: false, lazyConnect: true, maxRetriesPerRequest: 1 });
  await asA.connect();
}, 30_000);

afterAll(async () => {
  await cleanupRunners();
  asA.disconnect();
  await stores.close();
  await admin.call('ACL', 'DELUSER', users.a.name, users.b.name);
  await cleanupPrefix(admin, prefix);
  await admin.quit();
});

/** The Redis error a command gets, or null when it succeeds. */
async function refusal(run: () => Promise<unknown>): Promise<string | null> {
  try {
    await run();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('a runner with its own Redis user', () => {
  it('registers, takes a job from its own stream and reports the result, with nothing refused', async () => {
    const runner = await readyRunner(admin, prefix, A, { env: { REDIS_URL: urlFor(users.a) } });
    const results = new ResultCollector(stores.botBus);
    const { result } = await runJob(stores.botBus, results, { server: serverA, stepId: 'stop-w3svc', params: { product: 'sfb2015' } });
    expect(result).toMatchObject({ outcome: 'succeeded', server: serverA });
    expect(runner.simLog().map((e) => e.stepId)).toEqual(['detect-facts', 'stop-w3svc']);
    // Its registration went through its write-only grants, and the job was acknowledged.
    expect(await admin.hget(keys.runner(serverA), 'server')).toBe(serverA);
    await waitUntil(async () => {
      const pending = (await admin.xpending(keys.jobs(serverA), RUNNER_GROUP)) as unknown[];
      return Number(pending[0]) === 0;
    }, 'the job to be acknowledged');
    expect(runner.output()).not.toMatch(/NOPERM|ready check/i);
    // Both its connections (commands, and the blocking job read) are logged in as its user.
    const clients = String(await admin.call('CLIENT', 'LIST')).split('\n').filter((l) => l.includes(`name=cspatch-runner:${serverA}`));
    expect(clients.length).toBeGreaterThanOrEqual(2);
    for (const line of clients) expect(line).toContain(` user=${users.a.name} `);
  }, 60_000);

  it("is refused (NOPERM) B's job stream, B's registration, the results stream and run state", async () => {
    const run = `${prefix}:{run:abcdef123}`;
    const refusals = {
      "reading B's jobs": await refusal(() => asA.xrange(keys.jobs(serverB), '-', '+')),
      "reading B's jobs as B's consumer group": await refusal(() => asA.call('XREADGROUP', 'GROUP', RUNNER_GROUP, serverA, 'COUNT', 1, 'STREAMS', keys.jobs(serverB), '0')),
      "creating a group on B's jobs": await refusal(() => asA.xgroup('CREATE', keys.jobs(serverB), 'spy', '0')),
      "adding a job to B's stream": await refusal(() => asA.xadd(keys.jobs(serverB), '*', MESSAGE_FIELD, '{}')),
      "adding a job to its own stream": await refusal(() => asA.xadd(keys.jobs(serverA), '*', MESSAGE_FIELD, '{}')),
      "writing B's registration": await refusal(() => asA.hset(keys.runner(serverB), 'heartbeatAt', '1')),
      "reading B's registration": await refusal(() => asA.hgetall(keys.runner(serverB))),
      'reading the results stream': await refusal(() => asA.xrange(keys.results, '-', '+')),
      'reading results as the bots': await refusal(() => asA.call('XREADGROUP', 'GROUP', 'bots', 'spy', 'COUNT', 1, 'STREAMS', keys.results, '0')),
      'reading run state': await refusal(() => asA.get(run)),
      'writing run state': await refusal(() => asA.hset(run, 'x', '1')),
      "taking B's lock": await refusal(() => asA.set(keys.lock(serverB), 'mine')),
      'reading the audit trail': await refusal(() => asA.xrange(keys.audit, '-', '+')),
      'deleting its own stream': await refusal(() => asA.del(keys.jobs(serverA))),
    };
    for (const [what, message] of Object.entries(refusals)) {
      expect([what, message]).toEqual([what, expect.stringMatching(/^NOPERM/)]);
    }
    // Nothing of B's changed.
    expect((await admin.xrange(keys.jobs(serverB), '-', '+')).map(([, f]) => f[1])).toEqual([JSON.stringify({ note: 'for B only' })]);
    expect(await admin.exists(keys.runner(serverB), run)).toBe(0);
  });

  it('documents exactly the rules the test grants', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'runner-acl.md'), 'utf8');
    expect(doc).toContain(runnerAclCommand('runner-be01', createKeys('cspatch'), 'be01.contoso.com', '<password>'));
  });
});
