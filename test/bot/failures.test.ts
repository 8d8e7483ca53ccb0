/**
 * A step that fails stops the run and asks the admins: retry, skip, abort, or start services
 * again and abort. Each test has its own simulated server whose scenario makes one step fail,
 * then drives the decision buttons the way admins would and checks what ran on the server.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { Run } from '../../bot/lifecycle/run.js';
import { parseScenario, type ScenarioInput } from '../../sim/scenario.js';
import type { Stores } from '../../store/ports.js';
import { type BotHandle } from '../helpers/bot.js';
import { blocksText, buttons, type FakeSlack, type StoredMessage } from '../helpers/fake-slack.js';
import {
  button,
  ephemeralTexts,
  replyTexts,
  scenarioOn,
  serverState,
  startRegisteredRunner,
  waitEphemeral,
  waitParent,
  waitReply,
  walkToPlan,
  RUN_PATIENCE,
} from '../helpers/patch-driver.js';
import { useBotSuite } from '../helpers/bot-suite.js';
import { waitUntil, type RunnerHandle } from '../helpers/runner.js';

const CHANNEL = 'CFAILS0001';
const suite = useBotSuite('failures');
const { prefix } = suite;
let fake: FakeSlack, bot: BotHandle, redis: Redis, stores: Stores;
beforeAll(() => void ({ fake, bot, redis, stores } = suite));

async function runOf(runId: string): Promise<Run> {
  const stored = await stores.runs.get<Run>(runId);
  if (!stored) throw new Error(`run ${runId} is not in Redis`);
  return stored.value;
}

interface Started {
  readonly server: string;
  readonly runner: RunnerHandle;
  readonly parent: StoredMessage;
  readonly runId: string;
}

/** A server whose scenario misbehaves, patched up to the approval by a second admin. */
async function approvedRun(scenario: ScenarioInput, requester: string, approver: string): Promise<Started> {
  const server = parseScenario(scenario).server;
  const runner = await startRegisteredRunner(redis, prefix, scenario);
  const { parent, runId } = await walkToPlan(bot, fake, { channel: CHANNEL, requester, scenario });
  await bot.click(approver, CHANNEL, button(parent, 'cspatch_approve'));
  await waitReply(fake, CHANNEL, parent.ts, new RegExp(`<@${approver}> approved the plan`), 'the approval');
  return { server, runner, parent, runId };
}

function ranSteps(runner: RunnerHandle): string[] {
  // The runner detects the facts once when it starts, and once for the run.
  return runner.simLog().map((e) => e.stepId ?? '').filter((s) => s !== 'detect-facts');
}

const GATE_BUTTONS = ['Retry', 'Skip', 'Start services again and abort', 'Abort'];

describe('a failed step', () => {
  it('stops the run with Retry / Skip / Abort / Start services again; a non-admin is refused; one admin retries a non-install step and the run completes', async () => {
    const scenario = scenarioOn('sfb2015-standard', 'se-fail1.contoso.com', {
      fail: { 'stop-w3svc': { exitCode: 2, stderr: 'System error 5 has occurred.\n\nAccess is denied.', times: 1 } },
    });
    const { server, runner, parent, runId } = await approvedRun(scenario, 'UADMIN1', 'UADMIN2');

    const gate = await waitReply(fake, CHANNEL, parent.ts, /Step 6 \(net stop w3svc\) did not succeed\. What next\?/, 'the failure gate', RUN_PATIENCE);
    expect(buttons(gate.blocks).map((b) => b.text)).toEqual(GATE_BUTTONS);
    // The failed step's own reply shows its outcome, its output and the exit code.
    const failed = replyTexts(fake, CHANNEL, parent.ts).find((t) => /:x: Step 6\/14 failed/.test(t)) ?? '';
    expect(failed).toContain('Access is denied.');
    expect(failed).toContain('exit code 2');
    await waitParent(fake, CHANNEL, server, (t) => t.includes('Stopped: step 6 failed'), 'the stopped parent');
    expect((await runOf(runId)).status).toBe('failed');

    await bot.click('UNOTADMIN', CHANNEL, button(gate, 'cspatch_decide_retry'));
    await waitEphemeral(fake, 'UNOTADMIN', /Only cspatch admins can do that/, "the non-admin's refusal");
    expect((await runOf(runId)).status).toBe('failed');
    expect(ranSteps(runner).filter((s) => s === 'stop-w3svc')).toHaveLength(1);

    await bot.click('UADMIN3', CHANNEL, button(gate, 'cspatch_decide_retry'));
    await waitReply(fake, CHANNEL, parent.ts, /<@UADMIN3> chose to retry \(step 6\)/, 'the decision');
    await waitReply(fake, CHANNEL, parent.ts, /Step 6\/14 started again \(attempt 2\): `net stop w3svc`/, 'the second attempt');
    const summary = await waitReply(fake, CHANNEL, parent.ts, /Summary for/, 'the summary', RUN_PATIENCE);
    expect(blocksText(summary.blocks)).toContain('Patched successfully');
    await waitParent(fake, CHANNEL, server, (t) => t.includes('Patched successfully'), 'the final parent');

    const ran = ranSteps(runner);
    expect(ran.filter((s) => s === 'stop-w3svc')).toHaveLength(2);
    expect(ran).toEqual([
      'check-admin-role', 'check-package', 'check-pending-reboot', 'open-shell', 'stop-services', 'stop-w3svc', 'stop-w3svc',
      'check-shells', 'install-update', 'reopen-shell', 'stop-services-again', 'start-w3svc', 'update-databases', 'start-services', 'verify',
    ]);
    await waitUntil(async () => (await serverState(redis, prefix, server)).lock === null, 'the server lock to be released', 45_000);

    // The gate's buttons are spent once the run moved on.
    await bot.click('UADMIN2', CHANNEL, button(gate, 'cspatch_decide_retry'));
    await waitEphemeral(fake, 'UADMIN2', /This button is out of date/, 'the stale-button refusal');
    expect(ranSteps(runner).filter((s) => s === 'stop-w3svc')).toHaveLength(2);
  }, 300_000);

  it('an install-update retry needs a second admin: the first admin cannot confirm their own request, a second one can', async () => {
    const scenario = scenarioOn('sfb2019-standard', 'se-fail2.contoso.com', {
      fail: { 'install-update': { exitCode: 1603, stderr: 'ERROR: Installation of Server.msp failed with error 1603 (fatal error during installation).', times: 1 } },
    });
    const alice = 'UADMIN1';
    const bob = 'UADMIN2';
    const { server, runner, parent, runId } = await approvedRun(scenario, 'UADMIN3', alice);

    const gate = await waitReply(fake, CHANNEL, parent.ts, /Step 8 \(SkypeServerUpdateInstaller\.exe \/silentmode\) did not succeed/, 'the install failure gate', RUN_PATIENCE);
    expect(buttons(gate.blocks).map((b) => b.text)).toEqual(GATE_BUTTONS);
    expect(replyTexts(fake, CHANNEL, parent.ts).join('\n')).toContain('error 1603');

    await bot.click(alice, CHANNEL, button(gate, 'cspatch_decide_retry'));
    const second = await waitReply(fake, CHANNEL, parent.ts, /<@UADMIN1> asked to \*retry\* step 8\. This needs a second admin/, 'the second-admin request');
    const confirm = button(second, 'cspatch_decide_retry');
    expect(confirm.text).toBe('Confirm: retry');
    expect((await runOf(runId)).gate?.pending?.by).toBe(alice);
    expect(ranSteps(runner).filter((s) => s === 'install-update')).toHaveLength(1);

    await bot.click(alice, CHANNEL, confirm);
    await waitEphemeral(fake, alice, /You asked for this already: a different admin must confirm "retry"/, "alice's refusal to confirm her own request");
    expect((await runOf(runId)).status).toBe('failed');
    expect(ranSteps(runner).filter((s) => s === 'install-update')).toHaveLength(1);

    await bot.click(bob, CHANNEL, confirm);
    await waitReply(fake, CHANNEL, parent.ts, /<@UADMIN2> chose to retry \(step 8\)/, "bob's decision");
    await waitReply(fake, CHANNEL, parent.ts, /Step 8\/14 started again \(attempt 2\)/, 'the second install attempt');
    await waitReply(fake, CHANNEL, parent.ts, /Summary for/, 'the summary', RUN_PATIENCE);
    const ran = ranSteps(runner);
    expect(ran.filter((s) => s === 'install-update')).toHaveLength(2);
    expect(ran.at(-1)).toBe('verify');
    expect(ephemeralTexts(fake, bob).some((t) => /asked for this already/.test(t))).toBe(false);
    await waitUntil(async () => (await serverState(redis, prefix, server)).lock === null, 'the server lock to be released', 45_000);
  }, 300_000);

  it('Abort ends the run there: the thread and the parent say aborted, the lock is released and nothing more runs', async () => {
    const scenario = scenarioOn('lync2013-standard', 'se-fail3.contoso.com', {
      fail: { 'check-pending-reboot': { exitCode: 1, stderr: 'Get-ItemProperty : Requested registry access is not allowed.' } },
    });
    const { server, runner, parent, runId } = await approvedRun(scenario, 'UADMIN1', 'UADMIN2');
    const gate = await waitReply(fake, CHANNEL, parent.ts, /Step 3 \(.*\) did not succeed/, 'the failure gate', RUN_PATIENCE);

    await bot.click('UNOTADMIN', CHANNEL, button(gate, 'cspatch_decide_abort'));
    await waitEphemeral(fake, 'UNOTADMIN', /Only cspatch admins can do that/, "the non-admin's refusal to abort");
    expect((await runOf(runId)).status).toBe('failed');

    // Two admins decide at the same moment: the first decision wins, the other button is spent.
    const [a, b] = await Promise.all([bot.click('UADMIN3', CHANNEL, button(gate, 'cspatch_decide_abort')), bot.click('UADMIN2', CHANNEL, button(gate, 'cspatch_decide_abort'))]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const aborted = await waitReply(fake, CHANNEL, parent.ts, /<@UADMIN[23]> aborted the run\./, 'the aborted reply');
    const winner = /<@(UADMIN[23])>/.exec(blocksText(aborted.blocks))?.[1] ?? '';
    await waitEphemeral(fake, winner === 'UADMIN3' ? 'UADMIN2' : 'UADMIN3', /This button is out of date/, "the other admin's refusal");
    expect(replyTexts(fake, CHANNEL, parent.ts).filter((t) => /aborted the run/.test(t))).toHaveLength(1);
    await waitParent(fake, CHANNEL, server, (t) => t.includes('*Aborted* (an admin aborted the run)'), 'the aborted parent');
    await waitUntil(async () => (await serverState(redis, prefix, server)).lock === null, 'the server lock to be released', 45_000);
    const run = await runOf(runId);
    expect(run.status).toBe('aborted');
    expect(run.steps.slice(3).every((st) => st.status === 'pending')).toBe(true);

    // Nothing after the failed step was sent to, or ran on, the server.
    const jobs = (await serverState(redis, prefix, server)).jobs.map((j) => j.stepId);
    expect(jobs).toEqual(['detect-facts', 'check-admin-role', 'check-package', 'check-pending-reboot']);
    expect(ranSteps(runner)).toEqual(['check-admin-role', 'check-package', 'check-pending-reboot']);
    expect(replyTexts(fake, CHANNEL, parent.ts).some((t) => /Summary for|Step 4\/14 started/.test(t))).toBe(false);
  }, 300_000);

  it('"Start services again and abort" after the services were stopped starts W3SVC and the Cs services, then ends the run aborted with services restored', async () => {
    const scenario = scenarioOn('sfb2019-enterprise', 'fe-fail4.contoso.com', {
      fail: { 'install-update': { exitCode: 1603, stderr: 'ERROR: Installation of Server.msp failed with error 1603.' } },
    });
    const { server, runner, parent, runId } = await approvedRun(scenario, 'UADMIN1', 'UADMIN2');
    const gate = await waitReply(fake, CHANNEL, parent.ts, /Step 8 \(.*\) did not succeed/, 'the install failure gate', RUN_PATIENCE);

    await bot.click('UNOTADMIN', CHANNEL, button(gate, 'cspatch_decide_restore'));
    await waitEphemeral(fake, 'UNOTADMIN', /Only cspatch admins can do that/, "the non-admin's refusal to restore");

    await bot.click('UADMIN3', CHANNEL, button(gate, 'cspatch_decide_restore'));
    await waitReply(fake, CHANNEL, parent.ts, /<@UADMIN3> chose to start services again and abort \(step 8\)/, 'the decision');
    await waitReply(fake, CHANNEL, parent.ts, /Start the World Wide Web service: done/, 'W3SVC started again');
    await waitReply(fake, CHANNEL, parent.ts, /Start the server services: done/, 'the Cs services started again');
    await waitParent(fake, CHANNEL, server, (t) => t.includes('*Aborted* (services were started again)'), 'the restored parent');
    await waitUntil(async () => (await serverState(redis, prefix, server)).lock === null, 'the server lock to be released', 45_000);

    const run = await runOf(runId);
    expect(run.status).toBe('aborted');
    expect(run.reason).toBe('restored');
    expect(run.extra.map((e) => [e.stepId, e.state.status])).toEqual([['start-w3svc', 'succeeded'], ['start-services', 'succeeded']]);
    expect(ranSteps(runner)).toEqual([
      'check-admin-role', 'check-package', 'check-pending-reboot', 'open-shell', 'stop-services', 'stop-w3svc', 'check-shells', 'install-update',
      'start-w3svc', 'start-services',
    ]);
    expect(ranSteps(runner).filter((s) => s === 'install-update')).toHaveLength(1);
  }, 300_000);
});
