import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { RUNNER_GROUP, createKeys } from '../../core/keys.js';
import { openJournal } from '../../runners/journal.js';
import { finishedResult } from '../../runners/results.js';
import type { Stores } from '../../store/ports.js';
import {
  ResultCollector,
  loadScenarioFixture,
  randomJobId,
  randomRunId,
  runJob,
  runnerTestPrefix,
  sendJob,
  startRunner,
} from '../helpers/runner.js';
import { useRunnerSuite } from '../helpers/runner-suite.js';

/**
 * A runner that dies mid-step reports the step `interrupted` when it comes back, never runs it
 * again, and still runs what was queued but never started.
 */
describe('runner: recovery after a crash or a reboot', () => {
  const prefix = runnerTestPrefix('crash');
  const base = loadScenarioFixture('sfb2019-enterprise');
  const server = base.server;
  const suite = useRunnerSuite(prefix);
  let admin: Redis, stores: Stores, results: ResultCollector;
  beforeAll(() => void ({ admin, stores, results } = suite));

  it('reports a step cut short by SIGKILL as interrupted and runs it exactly once', async () => {
    const first = startRunner({ server, prefix, scenario: { ...base, hang: ['stop-services'] } });
    const hung = await sendJob(stores.botBus, { server, stepId: 'stop-services', params: { product: 'sfb2019' } });
    await results.waitFor((m) => m.jobId === hung.jobId && m.type === 'output' && m.lines.some((l) => l.text.includes('is hanging')), 'the step to be running');
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // Queued while no runner was up: never started, so it must run normally later.
    const queued = await sendJob(stores.botBus, { server, stepId: 'stop-w3svc', params: { product: 'sfb2019' } });
    const second = startRunner({ server, prefix, scenario: base, dir: first.dir });

    const interrupted = await results.waitForFinished(hung.jobId);
    expect(interrupted).toMatchObject({ outcome: 'interrupted', errorCode: 'step_interrupted', stepId: 'stop-services', exitCode: null });
    expect(interrupted.message).toMatch(/unknown/);
    expect((await results.waitForFinished(queued.jobId)).outcome).toBe('succeeded');

    expect(second.simLog().map((e) => e.stepId)).toEqual(['detect-facts', 'stop-services', 'detect-facts', 'stop-w3svc']);
    expect(results.messagesFor(hung.jobId).filter((m) => m.type === 'finished')).toHaveLength(1);
    expect(await second.stop()).toEqual({ code: 0, signal: null });
    // The hung job's entry, redelivered to the new runner, was acknowledged without running.
    const [pendingCount] = (await admin.xpending(createKeys(prefix).jobs(server), RUNNER_GROUP)) as [number, ...unknown[]];
    expect(pendingCount).toBe(0);
  });

  it('after Restart-Computer returns, takes no new job and leaves the outcome to the next start', async () => {
    const first = startRunner({ server, prefix, scenario: base });
    const reboot = await sendJob(stores.botBus, { server, stepId: 'reboot', params: { product: 'sfb2019' } });
    await first.waitForOutput(/waiting for the machine to restart/, 'that it waits for the restart');
    const next = await sendJob(stores.botBus, { server, stepId: 'start-w3svc', params: { product: 'sfb2019' } });
    // The shutdown stops the service.
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    await results.readAll();
    expect(results.messagesFor(reboot.jobId).map((m) => m.type)).toEqual(['started']);

    // This machine did not really restart, so the next start cannot claim the reboot happened.
    const second = startRunner({ server, prefix, scenario: base, dir: first.dir });
    expect(await results.waitForFinished(reboot.jobId)).toMatchObject({ outcome: 'interrupted', errorCode: 'step_interrupted' });
    expect((await results.waitForFinished(next.jobId)).outcome).toBe('succeeded');
    expect(second.simLog().filter((e) => e.stepId === 'reboot')).toHaveLength(1);
    expect(await second.stop()).toEqual({ code: 0, signal: null });
  });

  it('after a reboot step, the first start after the boot reports it succeeded', async () => {
    const first = startRunner({ server, prefix, scenario: base });
    const reboot = await sendJob(stores.botBus, { server, stepId: 'reboot', params: { product: 'sfb2019' } });
    await first.waitForOutput(/waiting for the machine to restart/, 'that it waits for the restart');
    expect(await first.stop()).toEqual({ code: 0, signal: null });
    // The simulated machine "boots" now: CSPATCH_BOOT_TIME stands in for the OS uptime.
    const second = startRunner({ server, prefix, scenario: base, dir: first.dir, env: { CSPATCH_BOOT_TIME: String(Date.now()) } });
    const result = await results.waitForFinished(reboot.jobId);
    expect(result).toMatchObject({ outcome: 'succeeded', stepId: 'reboot', data: { rebooted: true } });
    expect(results.messagesFor(reboot.jobId).filter((m) => m.type === 'finished')).toHaveLength(1);
    expect(await second.stop()).toEqual({ code: 0, signal: null });
    expect(second.simLog().filter((e) => e.stepId === 'reboot')).toHaveLength(1);
  });

  it('reports a reboot that never came as timed out', async () => {
    const runner = startRunner({ server, prefix, scenario: base, env: { CSPATCH_STEP_TIMEOUTS: 'reboot=1' } });
    const { result } = await runJob(stores.botBus, results, { server, stepId: 'reboot', params: { product: 'sfb2019' } });
    expect(result).toMatchObject({ outcome: 'timed_out', errorCode: 'step_timed_out', exitCode: 0 });
    expect(result.message).toMatch(/did not restart/);
    expect(await runner.stop()).toEqual({ code: 0, signal: null });
  });

  it('reports a reboot step as succeeded when the machine booted after it started', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cspatch-runner-'));
    const journal = await openJournal(join(dir, 'journal.json'));
    const jobId = randomJobId();
    // Started long before this machine's last boot.
    await journal.begin({ jobId, runId: randomRunId(), stepId: 'reboot', entryId: '1-0', startedAt: 1000 });
    const runner = startRunner({ server, prefix, scenario: base, dir });
    const result = await results.waitForFinished(jobId);
    expect(result).toMatchObject({ outcome: 'succeeded', stepId: 'reboot', data: { rebooted: true } });
    expect(result.errorCode).toBeUndefined();
    expect(await runner.stop()).toEqual({ code: 0, signal: null });
  });

  it('reports a reboot step still running since this boot as interrupted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cspatch-runner-'));
    const journal = await openJournal(join(dir, 'journal.json'));
    const jobId = randomJobId();
    await journal.begin({ jobId, runId: randomRunId(), stepId: 'reboot', entryId: '1-0', startedAt: Date.now() });
    const runner = startRunner({ server, prefix, scenario: base, dir });
    expect(await results.waitForFinished(jobId)).toMatchObject({ outcome: 'interrupted', errorCode: 'step_interrupted' });
    expect(await runner.stop()).toEqual({ code: 0, signal: null });
  });

  it('publishes an outcome that was journalled but never stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cspatch-runner-'));
    const journal = await openJournal(join(dir, 'journal.json'));
    const ids = { jobId: randomJobId(), runId: randomRunId(), server, stepId: 'start-w3svc' };
    await journal.begin({ jobId: ids.jobId, runId: ids.runId, stepId: ids.stepId, entryId: '1-0', startedAt: Date.now() - 2000 });
    const kept = finishedResult(ids, { outcome: 'succeeded', exitCode: 0, durationMs: 1500, data: { note: 'kept' }, tail: ['W3SVC started'] }, Date.now() - 500);
    await journal.complete(kept);
    const runner = startRunner({ server, prefix, scenario: base, dir });
    const result = await results.waitForFinished(ids.jobId);
    expect({ ...result, sig: undefined }).toEqual({ ...kept, sig: undefined });
    expect(await runner.stop()).toEqual({ code: 0, signal: null });
    expect(runner.simLog().filter((e) => e.stepId !== 'detect-facts')).toEqual([]);
  });
});
