import { beforeAll, describe, expect, it } from '@jest/globals';
import { buildPlan } from '../../commands/build-plan.js';
import { powershellArgs } from '../../commands/render-script.js';
import { PRODUCTS, type ProductId } from '../../commands/products.js';
import type { Stores } from '../../store/ports.js';
import { PLAN_STEP_IDS } from '../helpers/plan-facts.js';
import {
  ResultCollector,
  confirmedFactsFor,
  loadScenarioFixture,
  randomRunId,
  runJob,
  runnerTestPrefix,
  startRunner,
  type SimLogEntry,
} from '../helpers/runner.js';
import { useRunnerSuite } from '../helpers/runner-suite.js';

/**
 * The whole procedure, for every product and database variant: the bot's plan is sent job by
 * job to a real runner process, and the sim log shows exactly what PowerShell was asked to do.
 * Expected lines are written out from Microsoft's procedure here, not taken from the renderer.
 */
const VARIANTS = ['enterprise', 'enterprise-collocated', 'standard'] as const;
const CASES = (['sfb2019', 'sfb2015', 'lync2013'] as const).flatMap((product) => VARIANTS.map((variant) => ({ product, variant })));


const MODULE = { sfb2019: 'SkypeForBusiness', sfb2015: 'SkypeForBusiness', lync2013: 'Lync' } as const;
const INSTALLER = { sfb2019: 'SkypeServerUpdateInstaller.exe', sfb2015: 'SkypeServerUpdateInstaller.exe', lync2013: 'LyncServerUpdateInstaller.exe' } as const;
const NEEDS_MODULE = new Set(['check-admin-role', 'open-shell', 'stop-services', 'reopen-shell', 'stop-services-again', 'update-databases', 'start-services', 'verify']);

function mainLines(product: ProductId, variant: (typeof VARIANTS)[number], sql: string | null): Record<string, string[]> {
  const databaseLine = {
    enterprise: `Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn '${sql}' -Confirm:$false`,
    'enterprise-collocated': `Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn '${sql}' -ExcludeCollocatedStores -Confirm:$false`,
    standard: 'Install-CsDatabase -Update -LocalDatabases -Confirm:$false',
  }[variant];
  return {
    'check-admin-role': ['$roles = @(Get-CsAdminRoleAssignment -Identity $sam)'],
    'check-package': [`$src = 'C:\\Updates\\${INSTALLER[product]}'`, '$sig = Get-AuthenticodeSignature -LiteralPath $src'],
    'stop-services': ['Stop-CsWindowsService -Confirm:$false'],
    'stop-w3svc': ["if ($svc.Status -ne 'Stopped') { & net.exe stop w3svc; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE } } else { Write-Output 'W3SVC was already stopped' }"],
    'install-update': [
      `$exe = Join-Path $work '${INSTALLER[product]}'`,
      "$proc = Start-Process -FilePath $exe -ArgumentList '/silentmode' -WorkingDirectory $work -Wait -PassThru -NoNewWindow",
    ],
    'stop-services-again': ['Stop-CsWindowsService -Confirm:$false'],
    'start-w3svc': ["if ($svc.Status -ne 'Running') { & net.exe start w3svc; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE } } else { Write-Output 'W3SVC was already running' }"],
    'update-databases': [databaseLine],
    'start-services': ['Start-CsWindowsService -Confirm:$false'],
    verify: [variant === 'standard' ? '$dbs = @(Test-CsDatabase -LocalService)' : `$dbs = @(Test-CsDatabase -ConfiguredDatabases -SqlServerFqdn '${sql}')`],
  };
}

const linesOf = (e: SimLogEntry) => e.script.split('\r\n');
const indexOfLine = (log: SimLogEntry[], line: string) => log.findIndex((e) => linesOf(e).includes(line));

describe('runner: the full procedure against the simulated server', () => {
  const prefix = runnerTestPrefix('plan');
  const suite = useRunnerSuite(prefix);
  let stores: Stores, results: ResultCollector;
  beforeAll(() => void ({ stores, results } = suite));

  it.each(CASES)('$product, $variant: every step in order, with the documented commands', async ({ product, variant }) => {
    const scenario = loadScenarioFixture(`${product}-${variant}`);
    const runId = randomRunId();
    const plan = buildPlan(confirmedFactsFor(scenario, runId));
    expect(plan.variant).toBe(variant);
    const runner = startRunner({ server: scenario.server, prefix, scenario });

    for (const step of plan.steps) {
      const { result } = await runJob(stores.botBus, results, { server: scenario.server, runId, stepId: step.stepId, params: step.params });
      expect({ step: step.stepId, outcome: result.outcome, message: result.message }).toEqual({ step: step.stepId, outcome: 'succeeded', message: undefined });
    }
    expect(await runner.stop()).toEqual({ code: 0, signal: null });

    const log = runner.simLog();
    expect(log.map((e) => e.stepId)).toEqual(['detect-facts', ...PLAN_STEP_IDS]);
    // Each step is its own process, started exactly per the contract.
    expect(new Set(log.map((e) => e.pid)).size).toBe(log.length);
    for (const e of log) expect(e.argv.slice(0, 6)).toEqual(['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand']);
    expect(log[1]?.argv).toEqual(powershellArgs(log[1]?.script ?? ''));

    const sql = scenario.sqlServerFqdn ?? null;
    const byStep = new Map(log.map((e) => [e.stepId, e]));
    for (const [stepId, lines] of Object.entries(mainLines(product, variant, sql))) {
      expect({ stepId, lines: linesOf(byStep.get(stepId) as SimLogEntry).filter((l) => lines.includes(l)) }).toEqual({ stepId, lines });
    }
    for (const e of log) {
      const imports = linesOf(e).includes(`try { Import-Module -Name '${MODULE[product]}' -ErrorAction Stop }`);
      expect({ stepId: e.stepId, imports }).toEqual({ stepId: e.stepId, imports: NEEDS_MODULE.has(e.stepId ?? '') });
      expect(e.script).not.toMatch(/forcereboot/i);
      expect(e.script).not.toContain(PRODUCTS[product === 'lync2013' ? 'sfb2019' : 'lync2013'].installer);
    }

    // The document's order around the install: stop services, stop IIS, install, stop services
    // again, start IIS, then the database step.
    const stopServices = log.flatMap((e, i) => (linesOf(e).includes('Stop-CsWindowsService -Confirm:$false') ? [i] : []));
    const install = log.findIndex((e) => e.stepId === 'install-update');
    const netStop = log.findIndex((e) => e.script.includes('& net.exe stop w3svc'));
    const netStart = log.findIndex((e) => e.script.includes('& net.exe start w3svc'));
    const database = indexOfLine(log, mainLines(product, variant, sql)['update-databases']?.[0] ?? '');
    expect(stopServices).toHaveLength(2);
    expect(stopServices[0]).toBeLessThan(netStop);
    expect(netStop).toBeLessThan(install);
    expect(install).toBeLessThan(stopServices[1] as number);
    expect(stopServices[1]).toBeLessThan(netStart);
    expect(netStart).toBeLessThan(database);
    expect(log.filter((e) => /Install-CsDatabase /.test(e.script))).toHaveLength(1);
  });
});
