/**
 * The checks and gates between an approval and the summary: pre-checks that stop a run before any
 * service is touched, the open-shells gate of procedure step 6, the installer's exit codes, the
 * reboot gate with a runner that really goes away and comes back on a "rebooted machine", and
 * the verification beyond the document, with the version before and after in the summary.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { TFunction } from '../../bot/i18n/translator.js';
import { buildPlan, type Plan, type PlanStep } from '../../commands/build-plan.js';
import { parseScenario, sqlOf, type ScenarioInput } from '../../sim/scenario.js';
import { type BotHandle } from '../helpers/bot.js';
import { blocksText, buttons, type FakeSlack, type StoredMessage } from '../helpers/fake-slack.js';
import {
  buttonOf,
  scenarioFor,
  stepFinishedPattern,
  threadOf,
  translate,
  waitParentIn,
  waitThread,
  walkToApproval,
} from '../helpers/localized-run.js';
import { packagePathFor } from '../helpers/patch-driver.js';
import { useBotSuite } from '../helpers/bot-suite.js';
import { killGroup, startRunner, waitUntil, type RunnerHandle } from '../helpers/runner.js';

const CHANNEL = 'CGATES01';
const REQUESTER = 'UADMIN1';
const APPROVER = 'UADMIN2';
const suite = useBotSuite('gates');
const { prefix } = suite;
let fake: FakeSlack, bot: BotHandle, redis: Redis, t: TFunction;
beforeAll(async () => {
  ({ fake, bot, redis } = suite);
  t = await translate('en');
});

const FIXTURES = [
  'lync2013-standard',
  'lync2013-enterprise',
  'lync2013-enterprise-collocated',
  'sfb2015-standard',
  'sfb2015-enterprise',
  'sfb2015-enterprise-collocated',
  'sfb2019-standard',
  'sfb2019-enterprise',
  'sfb2019-enterprise-collocated',
] as const;

interface Approved {
  readonly runner: RunnerHandle;
  readonly parent: StoredMessage;
  readonly plan: Plan;
  readonly view: Record<string, unknown>;
}

async function startRunnerFor(scenario: ScenarioInput, opts: { dir?: string; env?: Record<string, string> } = {}): Promise<RunnerHandle> {
  const s = parseScenario(scenario);
  const runner = startRunner({ server: s.server, prefix, scenario, ...opts });
  await runner.waitForOutput(/facts detected/, 'the runner finishing its own detection');
  await waitUntil(async () => (await redis.zscore(`${prefix}:runners`, s.server)) !== null, 'the runner to register');
  return runner;
}

/** A runner for the scenario, its facts confirmed as detected, and the plan approved by a second admin. */
async function approvedRun(scenario: ScenarioInput): Promise<Approved> {
  const s = parseScenario(scenario);
  const runner = await startRunnerFor(scenario);
  const { parent, runId, view } = await walkToApproval(bot, fake, { channel: CHANNEL, requester: REQUESTER, t, scenario });
  const sql = sqlOf(s);
  const plan = buildPlan({
    server: s.server,
    product: s.product,
    edition: s.edition,
    collocatedStores: s.collocated.length > 0,
    ...(s.edition === 'enterprise' && sql ? { sqlServerFqdn: sql } : {}),
    packagePath: packagePathFor(scenario),
    packageSha256: s.package.sha256,
    runId,
  });
  expect(buttonOf(parent, 'cspatch_approve').value).toContain(plan.hash);
  await click(APPROVER, buttonOf(parent, 'cspatch_approve'));
  return { runner, parent, plan, view };
}

/** A button click, checked to have been accepted by the bot's receiver. */
async function click(user: string, b: { actionId: string; value?: string }): Promise<void> {
  const res = await bot.click(user, CHANNEL, b);
  if (res.status !== 200) throw new Error(`the click on ${b.actionId} answered ${res.status}: ${res.text}`);
}

function step(plan: Plan, stepId: string): PlanStep {
  const found = plan.steps.find((p) => p.stepId === stepId);
  if (!found) throw new Error(`no ${stepId} in the plan`);
  return found;
}

/** The steps the server was asked to run, without the read-only detection probes. */
function ran(runner: RunnerHandle): string[] {
  return runner.simLog().map((e) => e.stepId ?? '?').filter((id) => id !== 'detect-facts');
}

function upTo(plan: Plan, stepId: string): string[] {
  const ids = plan.steps.map((p) => p.stepId as string);
  return ids.slice(0, ids.indexOf(stepId) + 1);
}

function thread(parent: StoredMessage): string[] {
  return threadOf(fake, CHANNEL, parent.ts).map((m) => blocksText(m.blocks));
}

function gateReply(parent: StoredMessage, text: string): StoredMessage {
  const m = threadOf(fake, CHANNEL, parent.ts).find((r) => blocksText(r.blocks).includes(text));
  if (!m) throw new Error(`no reply with "${text}" in:\n${thread(parent).join('\n---\n')}`);
  return m;
}

async function waitSummary(parent: StoredMessage, server: string): Promise<string> {
  const title = `*${t('reply.summary.title', { server })}*`;
  return blocksText((await waitThread(fake, CHANNEL, parent.ts, (x) => x.includes(title), 'the summary', 120_000)).blocks);
}

const SERVICE_STEPS = ['stop-services', 'stop-w3svc', 'check-shells', 'install-update', 'reopen-shell', 'stop-services-again', 'start-w3svc', 'update-databases', 'start-services'];

describe.each(FIXTURES)('reboot gate and verification on %s', (fixture) => {
  it('asks when to restart, survives the restart, resumes at procedure step 8 and verifies the versions', async () => {
    // The sim's reboot step never returns: the machine goes down under it, runner and all.
    const scenario = scenarioFor(fixture, `rb-${fixture}.contoso.com`, { rebootRequired: true, hang: ['reboot'] });
    const s = parseScenario(scenario);
    const { runner, parent, plan } = await approvedRun(scenario);
    const total = plan.steps.length;
    const install = step(plan, 'install-update');

    // Exit 3010: the install is done, and a restart is a decision for a human.
    await waitThread(fake, CHANNEL, parent.ts, (x) => x.includes(t('reply.gate.reboot')), 'the reboot gate');
    const gate = gateReply(parent, t('reply.gate.reboot'));
    expect(buttons(gate.blocks).map((b) => [b.actionId, b.text])).toEqual([
      ['cspatch_decide_reboot', t('reply.button.reboot')],
      ['cspatch_decide_proceed', t('reply.button.proceed')],
      ['cspatch_decide_abort', t('reply.button.abort')],
    ]);
    const installed = thread(parent).find((x) => stepFinishedPattern(t, { icon: ':white_check_mark:', index: install.index, total, state: t('stepState.succeeded') }).test(x)) ?? '';
    expect(installed).toContain('SUCCESS: Successfully installed all applicable MSPs.');
    expect(installed).toContain('A restart is required to complete the installation.');
    await waitParentIn(fake, CHANNEL, t, s.server, (x) => x.includes(`*${t('status.waiting', { index: install.index })}*`), 'the parent waiting on the gate');
    expect(ran(runner)).toEqual(upTo(plan, 'install-update'));
    const installScript = runner.simLog().find((e) => e.stepId === 'install-update')?.script ?? '';
    expect(installScript).toContain("-ArgumentList '/silentmode'");
    expect(installScript).not.toMatch(/forcereboot/i);

    // "Restart now": the reboot step goes to the server.
    await click(REQUESTER, buttonOf(gate, 'cspatch_decide_reboot'));
    const rebootEntry = await waitUntil(() => runner.simLog().find((e) => e.stepId === 'reboot'), 'the reboot step on the server').catch((err: Error) => {
      throw new Error(`${err.message}\n--- thread:\n${thread(parent).join('\n---\n')}\n--- ephemerals:\n${fake.ephemerals().map((e) => `${e.user}: ${e.text ?? ''}`).join('\n')}\n--- runner:\n${runner.output().slice(-3000)}\n--- bot:\n${bot.output().slice(-3000)}`);
    });
    expect(rebootEntry.script).toContain('Restart-Computer -Force');
    await waitThread(fake, CHANNEL, parent.ts, (x) => x.includes(t('reply.extraStarted', { title: t('step.reboot') })), 'the restart started');
    expect(thread(parent)).toContain(t('reply.decision', { user: `<@${REQUESTER}>`, action: t('reply.action.reboot'), index: install.index }));

    // The machine goes down: the runner dies mid-step, and the step's processes with it.
    runner.child.kill('SIGKILL');
    await runner.exited;
    killGroup(rebootEntry.pid);
    // It comes back up: a new runner process, same journal, booted after the reboot step began.
    const bootedAt = Math.max(Date.now(), rebootEntry.at + 1);
    const after = await startRunnerFor(scenario, { dir: runner.dir, env: { CSPATCH_BOOT_TIME: String(bootedAt) } });

    const summary = await waitSummary(parent, s.server);
    expect(summary).toContain(t('reply.summary.outcome', { outcome: t('status.succeeded') }));
    expect(summary).toContain(t('reply.summary.steps', { done: total, skipped: 0, total }));
    expect(summary).toContain(t('reply.summary.versions', { before: s.versionBefore, after: s.versionAfter }));

    // The restart was reported done, and the run went on with a fresh shell: procedure step 8.
    const reopen = step(plan, 'reopen-shell');
    expect(reopen.docStep).toBe(8);
    expect(reopen.index).toBe(install.index + 1);
    const replies = thread(parent);
    const rebootDone = replies.findIndex((x) => x.includes(t('reply.extraFinished', { icon: ':white_check_mark:', title: t('step.reboot'), state: t('stepState.succeeded') })));
    const reopenStarted = replies.indexOf(t('reply.stepStarted', { index: reopen.index, total, command: reopen.command }));
    expect(rebootDone).toBeGreaterThan(-1);
    expect(reopenStarted).toBeGreaterThan(rebootDone);
    expect(after.output()).toMatch(/"stepId":"reboot"[^\n]*"outcome":"succeeded"[^\n]*reported the step left by the previous run/);

    // On the server (one sim log for both runner processes): the plan, with exactly one restart
    // after the install, nothing run twice.
    const steps = plan.steps.map((p) => p.stepId as string);
    const i = steps.indexOf('install-update') + 1;
    expect(ran(after)).toEqual([...steps.slice(0, i), 'reboot', ...steps.slice(i)]);

    // Verification, beyond the document: services started again, then every check.
    const parentText = blocksText((await waitParentIn(fake, CHANNEL, t, s.server, (x) => x.includes(`*${t('status.succeeded')}*`), 'the final parent')).blocks);
    for (const id of ['start-services', 'verify'] as const) {
      const p = step(plan, id);
      expect(p.docStep).toBeNull();
      expect(parentText).toContain(`*${p.index}.* ${t(`step.${id}`)} _(${t('parent.added')})_`);
    }
    expect(parentText).toContain(t('parent.version', { before: s.versionBefore }));
    expect(parentText).toContain(t('parent.versionAfter', { after: s.versionAfter }));
    const verifyScript = after.simLog().find((e) => e.stepId === 'verify')?.script ?? '';
    expect(verifyScript).toContain("Get-CsWindowsService -ExcludeActivityLevel | Where-Object { $_.Status -ne 'Running' }");
    expect(verifyScript).toContain('[string]$_.ExpectedVersion -ne [string]$_.InstalledVersion');
    expect(verifyScript).toContain(s.edition === 'enterprise' ? `Test-CsDatabase -ConfiguredDatabases -SqlServerFqdn '${sqlOf(s) ?? ''}'` : 'Test-CsDatabase -LocalService');
    if (s.product === 'lync2013') {
      // Lync Server 2013 has no patch-version cmdlet: the version comes from the MSI registry.
      expect(verifyScript).toContain("DisplayName -like 'Microsoft Lync Server 2013, Core Components*'");
      expect(verifyScript).not.toContain('Get-CsServerPatchVersion');
    } else {
      expect(verifyScript).toContain('Get-CsServerPatchVersion');
    }
    await after.stop();
  }, 180_000);
});

const PRECHECKS: ReadonlyArray<readonly [string, string, Partial<ScenarioInput>, string, string, number]> = [
  ['the runner account lacks CsAdministrator', 'sfb2019-standard', { csAdministrator: false }, 'check-admin-role', 'the runner account is not a member of CsAdministrator', 10],
  ['a reboot is pending', 'lync2013-enterprise', { pendingReboot: true }, 'check-pending-reboot', 'a reboot is pending on this server; restart it before patching', 25],
  ['the system drive is low on space', 'sfb2015-enterprise-collocated', { freeBytes: 512 * 1024 ** 2 }, 'check-package', 'not enough free disk space on the system drive', 24],
];

describe('pre-checks', () => {
  it.each(PRECHECKS)('%s: the check fails and the run stops before any service step', async (_label, fixture, overrides, stepId, message, exitCode) => {
    const scenario = scenarioFor(fixture, `pre-${stepId}.contoso.com`, overrides);
    const s = parseScenario(scenario);
    const { runner, parent, plan, view } = await approvedRun(scenario);
    const failed = step(plan, stepId);
    const total = plan.steps.length;
    if (stepId === 'check-pending-reboot') expect(blocksText(view)).toContain(t('parent.pendingReboot'));

    await waitThread(fake, CHANNEL, parent.ts, (x) => x.includes(t('reply.gate.failure', { index: failed.index, command: failed.command })), 'the failure gate');
    const finished = thread(parent).find((x) => stepFinishedPattern(t, { icon: ':x:', index: failed.index, total, state: t('stepState.failed') }).test(x)) ?? '';
    expect(finished).toContain(message);
    expect(finished).toContain(t('reply.exitCode', { code: exitCode }));
    await waitParentIn(fake, CHANNEL, t, s.server, (x) => x.includes(`*${t('status.failed', { index: failed.index })}*`), 'the parent showing the failure');

    // Abort from the gate; nothing but the checks ever ran.
    const gate = gateReply(parent, t('reply.gate.failure', { index: failed.index, command: failed.command }));
    await click(APPROVER, buttonOf(gate, 'cspatch_decide_abort'));
    await waitParentIn(fake, CHANNEL, t, s.server, (x) => x.includes(`*${t('status.aborted')}*`), 'the aborted parent');
    expect(ran(runner)).toEqual(upTo(plan, stepId));
    expect(ran(runner).filter((id) => SERVICE_STEPS.includes(id))).toEqual([]);
    await runner.stop();
  }, 90_000);
});

describe('open management shells (procedure step 6)', () => {
  const SHELLS = [
    { pid: 5120, name: 'powershell', user: 'CONTOSO\\lync.admin' },
    { pid: 7344, name: 'powershell_ise', user: 'CONTOSO\\sql.dba' },
  ];
  const listed = 'powershell (PID 5120, CONTOSO\\lync.admin), powershell_ise (PID 7344, CONTOSO\\sql.dba)';

  it('lists the processes with Check again / Continue anyway / Abort; "Check again" after they closed goes on', async () => {
    const scenario = scenarioFor('sfb2019-enterprise-collocated', 'shells-fe1902.contoso.com', { openShells: SHELLS, openShellsFor: 1 });
    const s = parseScenario(scenario);
    const { runner, parent, plan } = await approvedRun(scenario);
    const shells = step(plan, 'check-shells');
    expect(shells.docStep).toBe(6);
    const text = t('reply.gate.openShells', { count: 2, list: listed });
    await waitThread(fake, CHANNEL, parent.ts, (x) => x.includes(text), 'the open-shells gate');
    const gate = gateReply(parent, text);
    expect(buttons(gate.blocks).map((b) => [b.actionId, b.text])).toEqual([
      ['cspatch_decide_wait', t('reply.button.wait')],
      ['cspatch_decide_proceed', t('reply.button.proceed')],
      ['cspatch_decide_restore', t('reply.button.restore')],
      ['cspatch_decide_abort', t('reply.button.abort')],
    ]);
    await waitParentIn(fake, CHANNEL, t, s.server, (x) => x.includes(`*${t('status.waiting', { index: shells.index })}*`), 'the parent waiting');
    // Nothing is installed while the shells are open.
    expect(ran(runner)).toEqual(upTo(plan, 'check-shells'));

    await click(APPROVER, buttonOf(gate, 'cspatch_decide_wait'));
    await waitSummary(parent, s.server);
    expect(thread(parent)).toContain(t('reply.decision', { user: `<@${APPROVER}>`, action: t('reply.action.wait'), index: shells.index }));
    expect(thread(parent)).toContain(t('reply.stepStartedRetry', { index: shells.index, total: plan.steps.length, command: shells.command, attempt: 2 }));
    const steps = plan.steps.map((p) => p.stepId as string);
    const i = steps.indexOf('check-shells') + 1;
    expect(ran(runner)).toEqual([...steps.slice(0, i), 'check-shells', ...steps.slice(i)]);
    await runner.stop();
  }, 120_000);

  it('"Continue anyway" with the shells still open goes on to the install', async () => {
    const scenario = scenarioFor('lync2013-standard', 'shells-se1303.contoso.com', { openShells: SHELLS.slice(0, 1) });
    const s = parseScenario(scenario);
    const { runner, parent, plan } = await approvedRun(scenario);
    const text = t('reply.gate.openShells', { count: 1, list: 'powershell (PID 5120, CONTOSO\\lync.admin)' });
    await waitThread(fake, CHANNEL, parent.ts, (x) => x.includes(text), 'the open-shells gate');
    await click(APPROVER, buttonOf(gateReply(parent, text), 'cspatch_decide_proceed'));
    await waitSummary(parent, s.server);
    expect(ran(runner)).toEqual(plan.steps.map((p) => p.stepId));
    await runner.stop();
  }, 120_000);
});

describe('installer outcomes', () => {
  it('a non-zero exit code fails the install and shows the last lines of its log in the thread', async () => {
    const log = [
      '--- last lines of SkypeServerUpdateInstaller-6.0.9319.640.log',
      'Installing update for Server.msi...',
      'MSI (s) (A4:1C): Product: Skype for Business Server 2015, Core Components -- Installation failed.',
      'ERROR: Server.msi returned 1603 (fatal error during installation).',
    ];
    const scenario = scenarioFor('sfb2015-standard', 'inst-se1503.contoso.com', {
      print: { 'install-update': log },
      // The installer's exit codes are undocumented; the fake's own exit code is cut to 8 bits on POSIX, so 1603 would arrive as 67.
      fail: { 'install-update': { exitCode: 1, stderr: 'Installing update for Server.msi... failed' } },
    });
    const s = parseScenario(scenario);
    const { runner, parent, plan } = await approvedRun(scenario);
    const install = step(plan, 'install-update');
    await waitThread(fake, CHANNEL, parent.ts, (x) => x.includes(t('reply.gate.failure', { index: install.index, command: install.command })), 'the failure gate');
    const finished = thread(parent).find((x) => stepFinishedPattern(t, { icon: ':x:', index: install.index, total: plan.steps.length, state: t('stepState.failed') }).test(x)) ?? '';
    for (const line of log) expect(finished).toContain(line);
    expect(finished).toContain(t('reply.exitCode', { code: 1 }));
    const gate = gateReply(parent, t('reply.gate.failure', { index: install.index, command: install.command }));
    expect(buttons(gate.blocks).map((b) => b.text)).toEqual([t('reply.button.retry'), t('reply.button.skip'), t('reply.button.restore'), t('reply.button.abort')]);
    await waitParentIn(fake, CHANNEL, t, s.server, (x) => x.includes(`*${t('status.failed', { index: install.index })}*`), 'the parent showing the failure');
    // No reboot gate, and nothing after the install ran.
    expect(thread(parent).some((x) => x.includes(t('reply.gate.reboot')))).toBe(false);
    expect(ran(runner)).toEqual(upTo(plan, 'install-update'));
    await runner.stop();
  }, 90_000);
});

const VERIFY_FAILURES: ReadonlyArray<readonly [string, string, Partial<ScenarioInput>, string, number, string]> = [
  ['a service is not running', 'sfb2019-standard', { servicesNotRunning: ['RTCSRV'] }, 'some services are not running after the update', 40, 'rtcxds: expected 7.0.2046.520, installed 7.0.2046.520'],
  ['a database is behind', 'lync2013-enterprise', { databasesBehind: ['rtcxds'] }, 'some databases are not at the expected version', 41, 'rtcxds: expected 5.0.8308.1182, installed 5.0.8308.1149'],
];

describe('verification after procedure step 11', () => {
  it.each(VERIFY_FAILURES)('%s: the verify step fails with its message and no summary claims success', async (_label, fixture, overrides, message, exitCode, detail) => {
    const scenario = scenarioFor(fixture, `ver-${fixture}.contoso.com`, overrides);
    const s = parseScenario(scenario);
    const { runner, parent, plan } = await approvedRun(scenario);
    const verify = step(plan, 'verify');
    expect(verify.index).toBe(plan.steps.length);
    await waitThread(fake, CHANNEL, parent.ts, (x) => x.includes(t('reply.gate.failure', { index: verify.index, command: verify.command })), 'the failure gate on verify', 120_000);
    const finished = thread(parent).find((x) => stepFinishedPattern(t, { icon: ':x:', index: verify.index, total: plan.steps.length, state: t('stepState.failed') }).test(x)) ?? '';
    expect(finished).toContain(message);
    expect(finished).toContain(detail);
    expect(finished).toContain(t('reply.exitCode', { code: exitCode }));
    await waitParentIn(fake, CHANNEL, t, s.server, (x) => x.includes(`*${t('status.failed', { index: verify.index })}*`), 'the parent showing the failure');
    expect(thread(parent).some((x) => x.includes(t('reply.summary.title', { server: s.server })))).toBe(false);
    expect(ran(runner)).toEqual(plan.steps.map((p) => p.stepId));
    await runner.stop();
  }, 120_000);
});
