/**
 * `cspatch demo` end to end, as a person runs it: the real bot, lifecycle and runner in one
 * process, the console as the chat, the simulated server; scripted sessions replayed from
 * demo/*.script. The transcript must tell the whole story in order, and the demo must leave
 * nothing behind (in Redis too).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { assertBuilt, expectInOrder, killDemos, runDemo, type DemoRun } from './run-demo.js';

const SERVER = 'fe01.contoso.com';
const DB_STEP = 'Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn sql01.contoso.com -ExcludeCollocatedStores';
const VERSIONS = 'Version: 7.0.2046.404 → 7.0.2046.520';

beforeAll(() => {
  assertBuilt();
});

afterAll(async () => {
  await killDemos();
});

function stepCount(transcript: string): number {
  const m = /The plan \((\d+) steps/.exec(transcript);
  if (!m) throw new Error(`no plan in the transcript:\n${transcript}`);
  return Number(m[1]);
}

function explain(run: DemoRun): string {
  return `exit ${String(run.code)}${run.signal ? ` (${run.signal})` : ''}\n--- stdout:\n${run.stdout}\n--- stderr:\n${run.stderr}`;
}

/** The happy path as demo/sample.script walks it, whatever the store. */
function expectHappyPath(run: DemoRun): void {
  expect({ code: run.code, why: run.code === 0 ? '' : explain(run) }).toEqual({ code: 0, why: '' });
  const text = run.stdout;
  const total = stepCount(text);
  expectInOrder(text, [
    `alice> /cspatch patch ${SERVER} C:\\Updates\\SkypeServerUpdateInstaller.exe`,
    '[1] Review and confirm facts',
    '(form submitted: Build the plan)',
    DB_STEP,
    '[1] Approve  [2] Reject',
    '(alice pressed [1] Approve)',
    '(only alice sees this) You requested this patch, so another admin must approve it.',
    '(bob pressed [1] Approve)',
    '@bob approved the plan. Starting.',
    ...Array.from({ length: total }, (_, i) => `Step ${i + 1}/${total} started`),
    `Summary for ${SERVER}`,
    'Outcome: Patched successfully',
    VERSIONS,
    'bob> /quit',
  ]);
  // Every step ran once and succeeded; nothing failed on the way.
  expect(text.match(/✅ Step \d+\/\d+ done/g)).toHaveLength(total);
  expect(text).not.toMatch(/❌|Stopped:/);
}

describe('cspatch demo', () => {
  it('walks the whole happy path from demo/sample.script with no Redis and no tokens', async () => {
    const run = await runDemo(['--script', 'demo/sample.script']);
    expectHappyPath(run);
    expect(run.stdout).toContain('in-memory store');
  }, 120_000);

  it('recovers from a failed install with demo/failure.script: the retry needs a second admin', async () => {
    const run = await runDemo(['--script', 'demo/failure.script', '--fail', 'install-update']);
    expect({ code: run.code, why: run.code === 0 ? '' : explain(run) }).toEqual({ code: 0, why: '' });
    const text = run.stdout;
    const total = stepCount(text);
    const failed = /❌ Step (\d+)\/\d+ failed/.exec(text);
    expect(failed).not.toBeNull();
    const n = Number(failed?.[1]);
    expectInOrder(text, [
      DB_STEP,
      '@bob approved the plan. Starting.',
      `Step ${n}/${total} started: \`SkypeServerUpdateInstaller.exe /silentmode\``,
      `❌ Step ${n}/${total} failed`,
      'Fatal error during installation',
      `❌ Step ${n} (SkypeServerUpdateInstaller.exe /silentmode) did not succeed. What next?`,
      '[1] Retry  [2] Skip  [3] Start services again and abort  [4] Abort',
      '(alice pressed [1] Retry)',
      `@alice asked to retry step ${n}. This needs a second admin`,
      '[1] Confirm: retry',
      '(bob pressed [1] Confirm: retry)',
      `@bob chose to retry (step ${n}).`,
      `Step ${n}/${total} started again (attempt 2)`,
      `✅ Step ${n}/${total} done`,
      ...Array.from({ length: total - n }, (_, i) => `Step ${n + i + 1}/${total} started`),
      `Summary for ${SERVER}`,
      'Outcome: Patched successfully',
      VERSIONS,
      'bob> /quit',
    ]);
    expect(text.match(/❌ Step \d+\/\d+ failed/g)).toHaveLength(1);
  }, 120_000);

  it('uses Redis when REDIS_URL is set, and removes every key it wrote', async () => {
    const prefix = `t-demo-${randomBytes(6).toString('hex')}`;
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const run = await runDemo(['--script', 'demo/sample.script'], { REDIS_URL: TEST_REDIS_URL, CSPATCH_PREFIX: prefix });
      expectHappyPath(run);
      expect(run.stdout).toContain(`keys under "${prefix}:"`);
      // cleanupPrefix removes what it finds, so a failure here leaves nothing behind either.
      expect(await cleanupPrefix(redis, prefix)).toBe(0);
    } finally {
      await cleanupPrefix(redis, prefix);
      await redis.quit();
    }
  }, 120_000);
});
