import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { RunnerInfo, Stores } from '../../store/ports.js';
import { REPO_ROOT, ResultCollector, loadScenarioFixture, runJob, runnerTestPrefix, sendJob, startRunner, waitUntil } from '../helpers/runner.js';
import { useRunnerSuite } from '../helpers/runner-suite.js';

/** The runner registers, heartbeats, and carries the facts it detected at start. */
describe('runner: registration and heartbeat', () => {
  const prefix = runnerTestPrefix('register');
  const base = loadScenarioFixture('sfb2015-enterprise-collocated');
  const server = base.server;
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const suite = useRunnerSuite(prefix);
  let stores: Stores, results: ResultCollector;
  beforeAll(() => void ({ stores, results } = suite));

  const infoWhere = (s: string, ok: (i: RunnerInfo) => boolean, what: string) =>
    waitUntil(async () => {
      const info = await stores.runners.get(s);
      return info !== null && ok(info) ? info : undefined;
    }, what);

  it('shows the detected facts, its version, and a heartbeat that keeps moving', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cspatch-runner-'));
    const release = join(dir, 'release');
    const runner = startRunner({ server, prefix, scenario: { ...base, waitForFile: { 'stop-w3svc': release } }, dir });
    const info = await infoWhere(server, (i) => i.facts !== null, 'facts in the registration');
    expect(info).toMatchObject({ server, version, busyJobId: null });
    expect(info.runnerId).toMatch(/^[0-9a-f-]{36}$/);
    expect(info.facts).toEqual({
      product: 'sfb2015',
      version: '6.0.9319.601',
      edition: 'enterprise',
      poolFqdn: 'pool1502.contoso.com',
      sqlServerFqdn: 'sql1502.contoso.com',
      collocated: ['monitoring'],
      csComponents: true,
      mirrored: false,
      pendingReboot: false,
      package: null,
    });
    // detect-facts ran without a package path, the way the contract says.
    expect(runner.simLog()[0]?.script).not.toContain('$pkg =');
    await infoWhere(server, (i) => i.heartbeatAt > info.heartbeatAt && i.runnerId === info.runnerId, 'a later heartbeat');

    const job = await sendJob(stores.botBus, { server, stepId: 'stop-w3svc', params: { product: 'sfb2015' } });
    await infoWhere(server, (i) => i.busyJobId === job.jobId, 'the busy job in the heartbeat');
    writeFileSync(release, '');
    await results.waitForFinished(job.jobId);
    await infoWhere(server, (i) => i.busyJobId === null, 'the runner to be idle again');
    expect((await stores.runners.list()).map((i) => i.server)).toContain(server);
    expect(await runner.stop()).toEqual({ code: 0, signal: null });
  });

  it('reports null facts when detection prints nothing usable, and keeps working', async () => {
    const odd = {
      ...base,
      server: 'fe1599.contoso.com',
      print: { 'detect-facts': ['CSPATCH:{"facts":"not an object"}', 'CSPATCH:[1,2,3]', 'CSPATCH:{broken', 'Get-CsService : Access is denied.'] },
      fail: { 'detect-facts': { exitCode: 1, stderr: 'Get-CsPool : Access is denied.' } },
    };
    const runner = startRunner({ server: odd.server, prefix, scenario: odd });
    // A job's result proves detection is over: the runner only reads jobs after it.
    const { result } = await runJob(stores.botBus, results, { server: odd.server, stepId: 'start-w3svc', params: { product: 'sfb2015' } });
    expect(result.outcome).toBe('succeeded');
    const info = await infoWhere(odd.server, (i) => i.busyJobId === null, 'the runner to be idle');
    expect(info).toMatchObject({ server: odd.server, facts: null });
    expect(await runner.stop()).toEqual({ code: 0, signal: null });
  });
});
