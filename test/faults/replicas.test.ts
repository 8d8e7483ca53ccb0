/**
 * Fault: several bot replicas on one Redis, each request landing on any of them, some at the same
 * moment. Every state change is a compare-and-set, so no transition happens twice; the server
 * lock with its fencing token keeps two runs off one server and fences a stale holder off; every
 * key of a run shares the run's hash tag, so the layout works on Redis Cluster.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { BOT_GROUP, createKeys } from '../../core/keys.js';
import { MESSAGE_FIELD } from '../../core/messages.js';
import { parseScenario, sqlOf, type ScenarioInput } from '../../sim/scenario.js';
import { createRedisStores } from '../../store/redis/create-redis-stores.js';
import { cleanupBots, confirmValues, startBot, type BotHandle } from '../helpers/bot.js';
import { buttons, startFakeSlack, type FakeSlack, type StoredMessage } from '../helpers/fake-slack.js';
import {
  holdStep, keysUnder, planFor, planStepsRan, range, ranCleanly, storedRun, threadEvents, waitOutboxEmpty, waitResultsConsumed, PATIENCE,
} from '../helpers/faults.js';
import { button, ephemeralTexts, packagePathFor, runIdOf, waitParent, waitReply } from '../helpers/patch-driver.js';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { cleanupRunners, loadScenarioFixture, runnerTestPrefix, startRunner, waitUntil, type RunnerHandle } from '../helpers/runner.js';

const prefix = runnerTestPrefix('replicas');
const keys = createKeys(prefix);
let fake: FakeSlack;
let redis: Redis;
let bots: BotHandle[];

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL);
  fake = await startFakeSlack();
  bots = await Promise.all(['r1', 'r2', 'r3'].map((id) => startBot({ prefix, slackApiUrl: fake.url, env: { CSPATCH_BOT_ID: `bot-${id}` } })));
});

afterAll(async () => {
  await cleanupBots();
  await cleanupRunners();
  await fake.close();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

const replica = (i: number): BotHandle => bots[i % bots.length]!;

async function registeredRunner(scenario: ScenarioInput, dir?: string): Promise<RunnerHandle> {
  const runner = startRunner({ server: parseScenario(scenario).server, prefix, scenario, ...(dir ? { dir } : {}) });
  await runner.waitForOutput(/registered|heartbeat|detected/i, 'registration', PATIENCE);
  return runner;
}

/**
 * From the confirm button to the first step, each request on the next replica: the requester
 * opens and submits the form, UADMIN2 approves.
 */
async function confirmAndApprove(channel: string, requester: string, scenario: ScenarioInput, first: number): Promise<{ parent: StoredMessage; runId: string }> {
  const s = parseScenario(scenario);
  const confirming = await waitParent(fake, channel, s.server, (_t, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_confirm_open'), 'the confirm button', PATIENCE);
  const runId = runIdOf(confirming);
  await replica(first).click(requester, channel, button(confirming, 'cspatch_confirm_open'));
  await fake.waitForCall('views.open', (c) => JSON.stringify(c.body.view ?? '').includes(runId), PATIENCE);
  const sql = sqlOf(s);
  const values = confirmValues({ product: s.product, edition: s.edition, collocated: s.collocated.length > 0, ...(s.edition === 'enterprise' && sql ? { sql } : {}), packagePath: packagePathFor(scenario) });
  expect((await replica(first + 1).submit(requester, runId, values)).status).toBe(200);
  const parent = await waitParent(fake, channel, s.server, (_t, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_approve'), 'the approve button', PATIENCE);
  await replica(first + 2).click('UADMIN2', channel, button(parent, 'cspatch_approve'));
  await waitReply(fake, channel, parent.ts, /approved the plan/, 'the approval', PATIENCE);
  return { parent, runId };
}

function auditOf(entries: Array<[string, string[]]>): Array<{ action: string; runId: string | null; detail: Record<string, unknown> }> {
  return entries.map(([, f]) => JSON.parse(f[f.indexOf(MESSAGE_FIELD) + 1] ?? '{}') as { action: string; runId: string | null; detail: Record<string, unknown> });
}

describe('three bot replicas on one Redis', () => {
  it('share the work: one run per server, each transition and step once, stale lock holders fenced', async () => {
    // Server A: step 5 fails once, so three admins' clicks on three replicas race for one retry.
    const scenarioA = { ...loadScenarioFixture('sfb2015-enterprise'), fail: { 'stop-services': { exitCode: 1, stderr: 'simulated failure', times: 1 } } };
    // Server B: step 7 runs until the test lets it end.
    const dirB = mkdtempSync(join(tmpdir(), 'cspatch-runner-'));
    const heldB = holdStep(dirB, 'check-shells');
    const scenarioB = { ...loadScenarioFixture('sfb2019-standard'), waitForFile: { 'check-shells': heldB.path } };
    const [runnerA, runnerB] = await Promise.all([registeredRunner(scenarioA), registeredRunner(scenarioB, dirB)]);
    const serverA = parseScenario(scenarioA).server;
    const serverB = parseScenario(scenarioB).server;

    // Two admins ask two replicas to patch server A at the same moment: one run gets the lock.
    const [resA1, resA3] = await Promise.all([
      replica(1).command('UADMIN1', 'CREPLA', `patch ${serverA} ${packagePathFor(scenarioA)}`),
      replica(2).command('UADMIN3', 'CREPLA', `patch ${serverA} ${packagePathFor(scenarioA)}`),
    ]);
    expect([resA1.status, resA3.status]).toEqual([200, 200]);
    const started = await waitUntil(() => {
      const winner = ['UADMIN1', 'UADMIN3'].find((u) => ephemeralTexts(fake, u).some((t) => /Starting run/.test(t)));
      const loser = ['UADMIN1', 'UADMIN3'].find((u) => ephemeralTexts(fake, u).some((t) => /already active/.test(t)));
      return winner && loser ? { winner, loser } : undefined;
    }, 'one start and one refusal', PATIENCE);
    expect(started.winner).not.toBe(started.loser);
    await replica(0).command('UADMIN1', 'CREPLB', `patch ${serverB} ${packagePathFor(scenarioB)}`);

    // Both runs walk through the replicas round-robin, side by side.
    const [a, b] = await Promise.all([
      confirmAndApprove('CREPLA', started.winner, scenarioA, 0),
      confirmAndApprove('CREPLB', 'UADMIN1', scenarioB, 1),
    ]);

    // Retry clicked on all three replicas at once, by two admins: one retry.
    const gate = await waitReply(fake, 'CREPLA', a.parent.ts, /Step 5 \(.*\) did not succeed/, 'the failure gate of step 5', PATIENCE);
    const retry = button(gate, 'cspatch_decide_retry');
    await Promise.all([replica(0).click('UADMIN2', 'CREPLA', retry), replica(1).click('UADMIN3', 'CREPLA', retry), replica(2).click('UADMIN2', 'CREPLA', retry)]);
    await waitReply(fake, 'CREPLA', a.parent.ts, /Summary for/, 'the summary of run A', PATIENCE);
    await waitParent(fake, 'CREPLA', serverA, (t) => t.includes('Patched successfully'), 'the final parent of run A', PATIENCE);

    const planA = planFor(scenarioA, a.runId);
    expect(threadEvents(fake, 'CREPLA', a.parent.ts)).toEqual([
      'plan-ready', 'approved', ...ranCleanly(range(1, 4)),
      'start 5', 'failed 5', 'gate-failure 5', 'decision retry 5', 'start 5 #2', 'done 5',
      ...ranCleanly(range(6, planA.steps.length)), 'summary',
    ]);
    const idsA = planA.steps.map((s) => s.stepId);
    expect(planStepsRan(runnerA.simLog().map((e) => e.stepId))).toEqual([...idsA.slice(0, 5), idsA[4], ...idsA.slice(5)]);

    // Run B holds server B (token t) and is in step 7. A newer grant (t + 1) for another run
    // takes the server over, as after a forced release: run B is now a stale holder.
    await waitReply(fake, 'CREPLB', b.parent.ts, /Step 7\/14 started/, 'step 7 of run B to start', PATIENCE);
    const lockB = (await storedRun(redis, prefix, b.runId)).value.lock as { runId: string; token: number };
    expect(await redis.get(keys.lock(serverB))).toBe(`${b.runId}:${lockB.token}`);
    const newer = `takeover1:${lockB.token + 1}`;
    await redis.set(keys.lock(serverB), newer);
    const jobsBefore = await redis.xlen(keys.jobs(serverB));
    heldB.release();
    await waitUntil(async () => auditOf(await redis.xrange(keys.audit, '-', '+')).some((e) => e.action === 'job_fenced' && e.runId === b.runId), 'the next job of run B to be fenced', PATIENCE);
    // Nothing reached server B after step 7, and the stale grant cannot release the newer lock.
    await waitOutboxEmpty(redis, prefix, b.runId);
    expect(await redis.xlen(keys.jobs(serverB))).toBe(jobsBefore);
    const stores = createRedisStores({ redisUrl: TEST_REDIS_URL, prefix });
    try {
      expect(await stores.locks.release(serverB, lockB)).toBe(false);
    } finally {
      await stores.close();
    }
    expect(await redis.get(keys.lock(serverB))).toBe(newer);
    const planB = planFor(scenarioB, b.runId);
    expect(planStepsRan(runnerB.simLog().map((e) => e.stepId))).toEqual(planB.steps.slice(0, 7).map((s) => s.stepId));

    // Every replica read results as a member of one consumer group, and nothing is left pending.
    await waitResultsConsumed(redis, prefix);
    const consumers = ((await redis.xinfo('CONSUMERS', keys.results, BOT_GROUP)) as unknown[][]).map((c) => String(c[1]));
    expect(consumers.sort()).toEqual(['bot-r1', 'bot-r2', 'bot-r3']);

    // Cluster layout: every key of a run carries the run's hash tag; dedupe marks (no tag) expire.
    for (const runId of [a.runId, b.runId]) {
      const named = (await keysUnder(redis, prefix)).filter((k) => k.includes(runId));
      const [tagged, other] = [named.filter((k) => k.startsWith(`${prefix}:{run:${runId}}`)), named.filter((k) => !k.startsWith(`${prefix}:{run:${runId}}`))];
      expect(tagged).toContain(keys.run(runId));
      for (const k of other) {
        expect(k.startsWith(`${prefix}:seen:`)).toBe(true);
        expect(await redis.pttl(k)).toBeGreaterThan(0);
      }
    }
    for (const server of [serverA, serverB]) {
      for (const k of [keys.jobs(server), keys.lock(server), keys.fence(server), keys.runner(server), keys.history(server)]) expect(k).toContain(`{srv:${server}}`);
    }
  }, 300_000);
});
