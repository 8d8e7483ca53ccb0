import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { Stores } from '../../store/ports.js';
import {
  ResultCollector,
  loadScenarioFixture,
  processGone,
  runnerTestPrefix,
  sendJob,
  startRunner,
  waitUntil,
} from '../helpers/runner.js';
import { useRunnerSuite } from '../helpers/runner-suite.js';

/** First signal: finish and report the current step, take nothing new, exit 0. Second: kill it. */
describe('runner: stopping on signals', () => {
  const prefix = runnerTestPrefix('signals');
  const base = loadScenarioFixture('sfb2019-standard');
  const server = base.server;
  const product = 'sfb2019';
  const suite = useRunnerSuite(prefix);
  let stores: Stores, results: ResultCollector;
  beforeAll(() => void ({ stores, results } = suite));

  it('SIGTERM during a step: the step finishes and is reported, the next job waits, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cspatch-runner-'));
    // The step holds until this file exists, so the signal surely lands while it runs.
    const release = join(dir, 'release-stop-services');
    const runner = startRunner({ server, prefix, scenario: { ...base, waitForFile: { 'stop-services': release } }, dir });

    const slow = await sendJob(stores.botBus, { server, stepId: 'stop-services', params: { product } });
    await results.waitFor((m) => m.jobId === slow.jobId && m.type === 'output', 'the step to print');
    const next = await sendJob(stores.botBus, { server, stepId: 'stop-w3svc', params: { product } });
    runner.child.kill('SIGTERM');
    await runner.waitForOutput(/stopping: no new jobs/, 'that it is stopping');
    writeFileSync(release, '');

    expect(await results.waitForFinished(slow.jobId)).toMatchObject({ outcome: 'succeeded', exitCode: 0 });
    expect(await runner.exited).toEqual({ code: 0, signal: null });
    expect(runner.simLog().map((e) => e.stepId)).not.toContain('stop-w3svc');
    await results.readAll();
    expect(results.messagesFor(next.jobId)).toEqual([]);

    // The job it did not take is still queued for the next runner.
    const after = startRunner({ server, prefix, scenario: base, dir: runner.dir });
    expect((await results.waitForFinished(next.jobId)).outcome).toBe('succeeded');
    expect(after.simLog().filter((e) => e.stepId === 'stop-services')).toHaveLength(1);
    expect(await after.stop()).toEqual({ code: 0, signal: null });
  });

  it('a second signal kills the step\'s process tree and reports it interrupted', async () => {
    const runner = startRunner({ server, prefix, scenario: { ...base, hang: ['stop-services-again'] } });
    const job = await sendJob(stores.botBus, { server, stepId: 'stop-services-again', params: { product } });
    const hanging = await results.waitFor((m) => m.jobId === job.jobId && m.type === 'output' && m.lines.some((l) => l.text.includes('is hanging')), 'the step to hang');
    const helperPid = Number(hanging.type === 'output' ? /helper process (\d+)/.exec(hanging.lines.map((l) => l.text).join('\n'))?.[1] : NaN);

    runner.child.kill('SIGTERM');
    await runner.waitForOutput(/stopping: no new jobs/, 'that it is stopping');
    runner.child.kill('SIGTERM');

    const result = await results.waitForFinished(job.jobId);
    expect(result).toMatchObject({ outcome: 'interrupted', errorCode: 'step_interrupted', exitCode: null });
    expect(await runner.exited).toEqual({ code: 143, signal: null });
    const fakePid = runner.simLog().find((e) => e.stepId === 'stop-services-again')?.pid ?? -1;
    expect(processGone(fakePid)).toBe(true);
    await waitUntil(() => processGone(helperPid), `the helper process ${helperPid} to be gone`);
  });
});
