import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StepId } from '../commands/catalog.js';
import type { ScenarioInput } from '../sim/scenario.js';

/** The one server of the demo: an Enterprise Edition front end whose pool's back end is sql01. */
export const DEMO_SERVER = 'fe01.contoso.com';
export const DEMO_SQL = 'sql01.contoso.com';

/** The checkout's simulated powershell.exe; this file runs from dist/demo/, the script lives in sim/bin/. */
export const FAKE_POWERSHELL = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sim', 'bin', 'fake-powershell');

/** What a step prints when --fail makes it fail, worded as the real thing would be. */
const FAILURES: Partial<Record<StepId, { exitCode: number; stderr: string }>> = {
  'install-update': {
    // 1, not MSI's 1603: a POSIX exit status keeps only 8 bits, and the demo should show what it says.
    exitCode: 1,
    stderr: 'Installing update for Server.msi... failed\nERROR: Server.msi: Fatal error during installation (MSI error 1603). See the installer log in the run folder.',
  },
  'update-databases': {
    exitCode: 1,
    stderr: `Install-CsDatabase : A network-related or instance-specific error occurred while establishing a connection to SQL Server ${DEMO_SQL}.`,
  },
  'stop-services': { exitCode: 1, stderr: 'Stop-CsWindowsService : Service RTCSRV did not stop within the timeout.' },
};

/**
 * A Skype for Business Server 2019 Enterprise Edition front end, SQL back end sql01 with the
 * Monitoring store collocated, CU 7.0.2046.404 → 7.0.2046.520. The install and database steps
 * take a moment, as they would (much longer) for real.
 */
export function demoScenario(failStep: StepId | null): ScenarioInput {
  const failure = failStep ? (FAILURES[failStep] ?? { exitCode: 1, stderr: `${failStep}: failed (simulated, once, as asked with --fail)` }) : null;
  return {
    server: DEMO_SERVER,
    product: 'sfb2019',
    edition: 'enterprise',
    poolFqdn: 'pool01.contoso.com',
    sqlServerFqdn: DEMO_SQL,
    collocated: ['monitoring'],
    versionBefore: '7.0.2046.404',
    versionAfter: '7.0.2046.520',
    slowMs: { 'install-update': 1200, 'update-databases': 600 },
    ...(failStep && failure ? { fail: { [failStep]: { ...failure, times: 1 } } } : {}),
  };
}

/**
 * Writes the scenario into `dir` and returns the environment the simulated PowerShell reads:
 * the scenario, and a log of every invocation (it counts attempts, so a failure happens once).
 */
export function writeSimServer(dir: string, failStep: StepId | null): Record<string, string> {
  const scenario = join(dir, 'scenario.json');
  writeFileSync(scenario, `${JSON.stringify(demoScenario(failStep), null, 2)}\n`);
  return { CSPATCH_SIM_SCENARIO: scenario, CSPATCH_SIM_LOG: join(dir, 'sim-log.jsonl') };
}
