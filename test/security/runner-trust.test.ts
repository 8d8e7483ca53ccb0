/**
 * Trust between bot and runners, with both running for real: a runner runs only jobs signed with
 * its own server's key, unaltered, never twice; a job signed for server A and sent to server B is
 * refused by B. The bot drops results that are not signed with the key of the server they name,
 * or that come from another server than the run's, and records each in the audit trail.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { createKeys } from '../../core/keys.js';
import { MESSAGE_FIELD, resultMessageSchema, signMessage, verifyMessage, type FinishedResult, type ResultMessage } from '../../core/messages.js';
import { deriveRunnerKey } from '../../core/signing.js';
import { parseScenario } from '../../sim/scenario.js';
import type { Stores } from '../../store/ports.js';
import { openRedis } from '../../store/redis/connection.js';
import { createRedisStores } from '../../store/redis/create-redis-stores.js';
import { cleanupBots, startBot, type BotHandle } from '../helpers/bot.js';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { button, replyTexts, waitReply, walkToPlan } from '../helpers/patch-driver.js';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { cleanupRunners, makeJob, runnerTestPrefix, signJob, TEST_MASTER, waitUntil, type RunnerHandle } from '../helpers/runner.js';
import { groupCaughtUp, holdStep, ran, readyRunner, runOf, scenarioFor, waitAudit, waitRun } from './support.js';

const CHANNEL = 'CTRUST01';
const prefix = runnerTestPrefix('trust');
const keys = createKeys(prefix);
const A = scenarioFor('sfb2015-standard', 'se-trust-a.contoso.com');
const B = scenarioFor('lync2013-standard', 'se-trust-b.contoso.com');
const serverA = parseScenario(A).server;
const serverB = parseScenario(B).server;
let fake: FakeSlack;
let bot: BotHandle;
let redis: Redis;
let stores: Stores;
let runnerA: RunnerHandle;
let runnerB: RunnerHandle;
let dir: string;

beforeAll(async () => {
  redis = openRedis(TEST_REDIS_URL, 'security-trust');
  stores = createRedisStores({ redisUrl: TEST_REDIS_URL, prefix, connectionName: 'security-trust-bus' });
  dir = mkdtempSync(join(tmpdir(), 'cspatch-trust-'));
  fake = await startFakeSlack();
  bot = await startBot({ prefix, slackApiUrl: fake.url });
  runnerA = await readyRunner(redis, prefix, A);
  runnerB = await readyRunner(redis, prefix, B);
}, 60_000);

afterAll(async () => {
  await cleanupBots();
  await cleanupRunners();
  await fake.close();
  await stores.close();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
  rmSync(dir, { recursive: true, force: true });
});

/** Every result on the stream about `jobId` (read without taking it from the bot's group). */
async function resultsFor(jobId: string): Promise<ResultMessage[]> {
  const entries = await redis.xrange(keys.results, '-', '+');
  return entries
    .map(([, fields]) => resultMessageSchema.safeParse(JSON.parse(fields[fields.indexOf(MESSAGE_FIELD) + 1] ?? '{}')))
    .filter((p) => p.success)
    .map((p) => p.data)
    .filter((m) => m.jobId === jobId);
}

async function finishedOf(jobId: string): Promise<FinishedResult> {
  return waitUntil(async () => (await resultsFor(jobId)).find((m): m is FinishedResult => m.type === 'finished'), `the finished result of ${jobId}`, 30_000);
}

describe('jobs a runner refuses', () => {
  it('refuses a job altered after signing, and runs nothing', async () => {
    const job = signJob(makeJob({ server: serverA, stepId: 'stop-w3svc', params: { product: 'sfb2015' } }));
    const altered = [
      { ...job, params: { product: 'lync2013' } },
      { ...job, jobId: `${job.jobId}x`, stepId: 'install-update' },
      { ...job, jobId: `${job.jobId}y`, attempt: 2 },
    ];
    for (const message of altered) await stores.botBus.sendJob(serverA, message);
    for (const message of altered) {
      const result = await finishedOf(message.jobId);
      expect(result).toMatchObject({ outcome: 'refused', errorCode: 'job_signature_invalid', server: serverA, exitCode: null, tail: [] });
      // Even its refusal is signed, with its own key.
      expect(verifyMessage(deriveRunnerKey(TEST_MASTER, serverA), result)).toBe(true);
      expect((await resultsFor(message.jobId)).map((m) => m.type)).toEqual(['finished']);
    }
    expect(ran(runnerA)).toEqual(['detect-facts']);
  }, 60_000);

  it("refuses a job signed with another server's key: A's job sent to B, and one for B signed with A's key", async () => {
    const forA = signJob(makeJob({ server: serverA, stepId: 'stop-w3svc', params: { product: 'sfb2015' } }));
    const forBWithKeyA = signJob(makeJob({ server: serverB, stepId: 'stop-w3svc', params: { product: 'lync2013' } }), TEST_MASTER, serverA);
    await stores.botBus.sendJob(serverB, forA);
    await stores.botBus.sendJob(serverB, forBWithKeyA);
    for (const message of [forA, forBWithKeyA]) {
      const result = await finishedOf(message.jobId);
      expect(result).toMatchObject({ outcome: 'refused', errorCode: 'job_signature_invalid', server: serverB });
      expect(verifyMessage(deriveRunnerKey(TEST_MASTER, serverB), result)).toBe(true);
    }
    expect(ran(runnerB)).toEqual(['detect-facts']);
    expect(ran(runnerA)).toEqual(['detect-facts']);
  }, 60_000);

  it('runs a valid job once and refuses the same job sent again', async () => {
    const job = signJob(makeJob({ server: serverB, stepId: 'stop-w3svc', params: { product: 'lync2013' } }));
    await stores.botBus.sendJob(serverB, job);
    expect(await finishedOf(job.jobId)).toMatchObject({ outcome: 'succeeded' });
    await stores.botBus.sendJob(serverB, job);
    await waitUntil(async () => (await resultsFor(job.jobId)).filter((m) => m.type === 'finished').length === 2, 'the answer to the replay');
    const finished = (await resultsFor(job.jobId)).filter((m): m is FinishedResult => m.type === 'finished');
    expect(finished.map((m) => [m.outcome, m.errorCode ?? null])).toEqual([
      ['succeeded', null],
      ['refused', 'job_replayed'],
    ]);
    expect(ran(runnerB)).toEqual(['detect-facts', 'stop-w3svc']);
  }, 60_000);
});

describe('results the bot drops', () => {
  it("drops a result signed with another runner's key, or from another server than the run's, and audits both; the run goes on with the real one", async () => {
    const hold = holdStep(dir, 'check-admin-role');
    const scenario = scenarioFor('sfb2015-standard', 'se-trust-c.contoso.com', { waitForFile: { 'check-admin-role': hold.path } });
    const serverC = parseScenario(scenario).server;
    await readyRunner(redis, prefix, scenario);
    const { parent, runId } = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });
    await bot.click('UADMIN2', CHANNEL, button(parent, 'cspatch_approve'));
    const held = await waitRun(redis, prefix, runId, (r) => r.steps[0]?.status === 'running', 'the first step to be running');
    const jobId = held.steps[0]!.jobId!;
    const before = JSON.stringify(held);

    const claim = (server: string): Omit<FinishedResult, 'sig'> => ({
      v: 1,
      type: 'finished',
      jobId,
      runId,
      server,
      stepId: 'check-admin-role',
      outcome: 'succeeded',
      exitCode: 0,
      durationMs: 5,
      data: {},
      tail: ['forged: all good'],
      at: Date.now(),
    });
    // Names server C but is signed with runner A's key.
    const wrongKey = signMessage(deriveRunnerKey(TEST_MASTER, serverA), claim(serverC));
    // Runner A, honestly signed with its own key, reporting on a run of server C.
    const wrongServer = signMessage(deriveRunnerKey(TEST_MASTER, serverA), claim(serverA));
    await redis.xadd(keys.results, '*', MESSAGE_FIELD, JSON.stringify(wrongKey));
    await redis.xadd(keys.results, '*', MESSAGE_FIELD, JSON.stringify(wrongServer));
    await groupCaughtUp(redis, keys.results, 'bots', 'the bot to read both forged results');

    const refused = await waitAudit(redis, prefix, (e) => e.action === 'result_refused' && e.detail.reason === 'wrong_server', 'the wrong-server refusal');
    expect(refused).toMatchObject({ actor: `runner:${serverA}`, runId, detail: { jobId } });
    const bySignature = await waitAudit(redis, prefix, (e) => e.action === 'result_refused' && e.detail.reason === 'signature', 'the bad-signature refusal');
    expect(bySignature).toMatchObject({ actor: `runner:${serverC}`, detail: { jobId } });
    expect(JSON.stringify(await runOf(redis, prefix, runId))).toBe(before);
    expect(replyTexts(fake, CHANNEL, parent.ts).some((t) => /Step 1\/\d+ done/.test(t))).toBe(false);

    hold.release();
    await waitReply(fake, CHANNEL, parent.ts, /Step 1\/\d+ done/, 'the real result of step 1', 60_000);
    expect(replyTexts(fake, CHANNEL, parent.ts).join('\n')).not.toContain('forged');
  }, 120_000);
});
