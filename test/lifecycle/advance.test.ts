import { describe, expect, it } from '@jest/globals';
import { advance } from '../../bot/lifecycle/advance.js';
import { ALICE, BOB, CAROL, CONFIRM_INPUT, DETECTED, EVE, POLICY, T0, approvedRun, finished, jobsOf, newRun, plannedRun, play, runUntil } from './fixtures.js';

describe('a new run', () => {
  it('announces itself, records the request and asks the runner for facts with the package path', () => {
    const { run, effects } = newRun();
    expect(run.status).toBe('detecting');
    expect(effects.map((e) => e.type)).toEqual(['post-parent', 'audit', 'send-job', 'set-timer']);
    const [job] = jobsOf(effects);
    expect(job).toMatchObject({ stepId: 'detect-facts', params: { packagePath: CONFIRM_INPUT.packagePath }, attempt: 1 });
    expect(run.detectJobId).toBe(job!.jobId);
  });
});

describe('detection and confirmation', () => {
  it('moves to confirming on the facts of its own detect job only', () => {
    const { run } = newRun();
    const stale = advance(run, { type: 'detected', jobId: 'someone-else', facts: DETECTED, error: null }, T0, POLICY);
    expect(stale.run.status).toBe('detecting');
    expect(stale.effects).toEqual([]);
    const ok = advance(run, { type: 'detected', jobId: run.detectJobId!, facts: DETECTED, error: null }, T0, POLICY);
    expect(ok.run.status).toBe('confirming');
    expect(ok.run.detected).toEqual(DETECTED);
  });

  it('builds the plan with the collocated variant and starts the approval clock', () => {
    const run = plannedRun();
    expect(run.status).toBe('awaiting_approval');
    expect(run.plan!.variant).toBe('enterprise-collocated');
    expect(run.plan!.steps.find((s) => s.stepId === 'update-databases')!.command).toBe(
      'Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn sql01.contoso.com -ExcludeCollocatedStores',
    );
    expect(run.approvalExpiresAt).toBe(T0 + 2000 + POLICY.approvalTtlMs);
    expect(run.versionBefore).toBe(DETECTED.version);
  });

  it('refuses a confirmation that differs from detection unless acknowledged, and records the difference', () => {
    const { run } = newRun();
    const confirming = play(run, [[{ type: 'detected', jobId: run.detectJobId!, facts: DETECTED, error: null }, T0]]).run;
    const differs = { ...CONFIRM_INPUT, collocatedStores: false };
    const refused = advance(confirming, { type: 'confirm', actor: ALICE, input: differs }, T0, POLICY);
    expect(refused.run.status).toBe('confirming');
    expect(refused.effects).toContainEqual({ type: 'ephemeral', message: { user: ALICE.id, key: 'confirm_invalid', params: { fields: 'ack' } } });
    const acked = advance(confirming, { type: 'confirm', actor: ALICE, input: { ...differs, acknowledgeDifferences: true } }, T0, POLICY);
    expect(acked.run.status).toBe('awaiting_approval');
    expect(acked.run.mismatches).toEqual(['collocated']);
    expect(acked.run.plan!.variant).toBe('enterprise');
  });

  it('re-detects when the confirmed package path differs, then builds the plan from that answer', () => {
    const { run } = newRun();
    const confirming = play(run, [[{ type: 'detected', jobId: run.detectJobId!, facts: DETECTED, error: null }, T0]]).run;
    const other = 'C:\\Other\\SkypeServerUpdateInstaller.exe';
    const t = advance(confirming, { type: 'confirm', actor: ALICE, input: { ...CONFIRM_INPUT, packagePath: other } }, T0, POLICY);
    expect(t.run.status).toBe('detecting');
    expect(jobsOf(t.effects)[0]!.params).toEqual({ packagePath: other });
    const pkg = { ...DETECTED.package!, path: other, sha256: 'B'.repeat(64) };
    const done = advance(t.run, { type: 'detected', jobId: t.run.detectJobId!, facts: { ...DETECTED, package: pkg }, error: null }, T0, POLICY);
    expect(done.run.status).toBe('awaiting_approval');
    expect(done.run.plan!.facts.packageSha256).toBe('B'.repeat(64));
  });

  it.each([
    ['an unsigned package', { package: { ...DETECTED.package!, signature: 'NotSigned' } }, 'package-problem'],
    ['a missing package', { package: { ...DETECTED.package!, exists: false } }, 'package-problem'],
    ['mirrored databases', { mirrored: true }, 'plan-invalid'],
    ['a server without Cs components', { csComponents: false }, 'plan-invalid'],
  ])('makes no plan for %s', (_label, change, kind) => {
    const { run } = newRun();
    const facts = { ...DETECTED, ...change };
    let { run: after, effects } = play(run, [
      [{ type: 'detected', jobId: run.detectJobId!, facts, error: null }, T0],
      [{ type: 'confirm', actor: ALICE, input: CONFIRM_INPUT }, T0],
    ]);
    if (after.status === 'detecting') {
      // A package not found is looked for again on confirmation: the admin may have copied it meanwhile.
      ({ run: after, effects } = play(after, [[{ type: 'detected', jobId: after.detectJobId!, facts, error: null }, T0]]));
    }
    expect(after.plan).toBeNull();
    expect(after.status).toBe('confirming');
    expect(effects.some((e) => e.type === 'reply' && e.message.kind === kind)).toBe(true);
  });
});

describe('approval', () => {
  it('refuses the requester, a non-admin and a stale plan hash, then accepts a second admin', () => {
    const run = plannedRun();
    const hash = run.plan!.hash;
    for (const [actor, planHash, key] of [
      [ALICE, hash, 'self_approval'],
      [EVE, hash, 'not_admin'],
      [BOB, 'f'.repeat(64), 'approval_stale'],
    ] as const) {
      const t = advance(run, { type: 'approve', actor, planHash }, T0 + 5000, POLICY);
      expect(t.run.status).toBe('awaiting_approval');
      expect(t.effects).toContainEqual({ type: 'ephemeral', message: { user: actor.id, key, params: {} } });
      expect(jobsOf(t.effects)).toEqual([]);
    }
    const ok = advance(run, { type: 'approve', actor: BOB, planHash: hash }, T0 + 5000, POLICY);
    expect(ok.run.status).toBe('running');
    expect(ok.run.approval).toEqual({ by: BOB.id, at: T0 + 5000, planHash: hash });
    expect(jobsOf(ok.effects).map((j) => j.stepId)).toEqual(['check-admin-role']);
  });

  it('lets only the first decision count', () => {
    const run = approvedRun();
    const second = advance(run, { type: 'approve', actor: CAROL, planHash: run.plan!.hash }, T0 + 6000, POLICY);
    expect(jobsOf(second.effects)).toEqual([]);
    expect(second.effects).toContainEqual({ type: 'ephemeral', message: { user: CAROL.id, key: 'already_decided', params: { by: BOB.id } } });
  });

  it('expires: the timer ends the run and releases the lock; a late click is refused', () => {
    const run = plannedRun();
    const early = advance(run, { type: 'timer', name: 'approval' }, run.approvalExpiresAt! - 1, POLICY);
    expect(early.run.status).toBe('awaiting_approval');
    const late = advance(run, { type: 'timer', name: 'approval' }, run.approvalExpiresAt!, POLICY);
    expect(late.run.status).toBe('expired');
    expect(late.effects.map((e) => e.type)).toEqual(expect.arrayContaining(['release-lock', 'finish']));
    const click = advance(late.run, { type: 'approve', actor: BOB, planHash: run.plan!.hash }, run.approvalExpiresAt! + 1, POLICY);
    expect(jobsOf(click.effects)).toEqual([]);
  });
});

describe('steps', () => {
  it('sends the next step only after the previous one succeeded, and ignores a duplicate result', () => {
    const run = approvedRun();
    const result = finished(run, 'succeeded');
    const first = advance(run, { type: 'step_finished', result }, T0 + 4000, POLICY);
    expect(jobsOf(first.effects).map((j) => j.stepId)).toEqual(['check-package']);
    const again = advance(first.run, { type: 'step_finished', result }, T0 + 4001, POLICY);
    expect(again.effects).toEqual([]);
    expect(again.run).toEqual(first.run);
  });

  it('starts the resiliency clock with the first service stop and warns once', () => {
    const atStop = runUntil(approvedRun(), 'stop-services');
    expect(atStop.resiliency.startedAt).not.toBeNull();
    const warned = play(atStop, [
      [{ type: 'timer', name: 'resiliency-warn' }, atStop.resiliency.startedAt! + POLICY.resiliencyWarnMs],
      [{ type: 'timer', name: 'resiliency-warn' }, atStop.resiliency.startedAt! + POLICY.resiliencyWarnMs + 1],
    ]);
    expect(warned.effects.filter((e) => e.type === 'reply' && e.message.kind === 'resiliency-warning')).toHaveLength(1);
  });

  it('runs the whole plan to a summary, releasing the lock once', () => {
    let run = approvedRun();
    const effects = [];
    for (let i = 0; i < 20 && run.status === 'running'; i += 1) {
      const data = run.plan!.steps[run.current]!.stepId === 'verify' ? { versionAfter: '7.0.2046.530' } : {};
      const t = advance(run, { type: 'step_finished', result: finished(run, 'succeeded', data) }, T0 + 10_000 + i, POLICY);
      run = t.run;
      effects.push(...t.effects);
    }
    expect(run.status).toBe('succeeded');
    expect(run.versionAfter).toBe('7.0.2046.530');
    expect(run.resiliency.endedAt).not.toBeNull();
    expect(effects.filter((e) => e.type === 'release-lock')).toHaveLength(1);
    expect(effects.some((e) => e.type === 'reply' && e.message.kind === 'summary')).toBe(true);
  });
});

describe('decisions', () => {
  it('needs a second admin to retry the install, and refuses the same admin twice', () => {
    const atInstall = runUntil(approvedRun(), 'install-update');
    const failed = play(atInstall, [[{ type: 'step_finished', result: finished(atInstall, 'failed') }, T0 + 20_000]]).run;
    expect(failed.status).toBe('failed');
    const index = failed.gate!.stepIndex;
    const asked = advance(failed, { type: 'decision', actor: ALICE, action: 'retry', stepIndex: index }, T0 + 21_000, POLICY);
    expect(jobsOf(asked.effects)).toEqual([]);
    expect(asked.run.gate!.pending).toMatchObject({ action: 'retry', by: ALICE.id });
    const twice = advance(asked.run, { type: 'decision', actor: ALICE, action: 'retry', stepIndex: index }, T0 + 22_000, POLICY);
    expect(jobsOf(twice.effects)).toEqual([]);
    const confirmed = advance(asked.run, { type: 'decision', actor: BOB, action: 'retry', stepIndex: index }, T0 + 23_000, POLICY);
    expect(jobsOf(confirmed.effects)).toEqual([expect.objectContaining({ stepId: 'install-update', attempt: 2 })]);
  });

  it('lets one admin retry a service step, and refuses a stale button', () => {
    const atW3 = runUntil(approvedRun(), 'stop-w3svc');
    const failed = play(atW3, [[{ type: 'step_finished', result: finished(atW3, 'failed') }, T0 + 20_000]]).run;
    const stale = advance(failed, { type: 'decision', actor: ALICE, action: 'retry', stepIndex: failed.gate!.stepIndex - 1 }, T0, POLICY);
    expect(jobsOf(stale.effects)).toEqual([]);
    expect(stale.effects).toContainEqual({ type: 'ephemeral', message: { user: ALICE.id, key: 'stale_button', params: {} } });
    const retried = advance(failed, { type: 'decision', actor: ALICE, action: 'retry', stepIndex: failed.gate!.stepIndex }, T0, POLICY);
    expect(jobsOf(retried.effects).map((j) => j.stepId)).toEqual(['stop-w3svc']);
  });

  it('restores services after an abort past the service stops', () => {
    const atShells = runUntil(approvedRun(), 'check-shells');
    const failed = play(atShells, [[{ type: 'step_finished', result: finished(atShells, 'failed') }, T0]]).run;
    let t = advance(failed, { type: 'decision', actor: ALICE, action: 'restore', stepIndex: failed.gate!.stepIndex }, T0, POLICY);
    expect(t.run.status).toBe('restoring');
    const sent = [...jobsOf(t.effects).map((j) => j.stepId)];
    t = advance(t.run, { type: 'step_finished', result: finished(t.run, 'succeeded') }, T0, POLICY);
    sent.push(...jobsOf(t.effects).map((j) => j.stepId));
    t = advance(t.run, { type: 'step_finished', result: finished(t.run, 'succeeded') }, T0, POLICY);
    expect(sent).toEqual(['start-w3svc', 'start-services']);
    expect(t.run.status).toBe('aborted');
    expect(t.run.reason).toBe('restored');
  });

  it('opens a reboot gate after exit 3010 and resumes at procedure step 8 after the restart', () => {
    const atInstall = runUntil(approvedRun(), 'install-update');
    const gate = play(atInstall, [[{ type: 'step_finished', result: finished(atInstall, 'succeeded', { rebootRequired: true }) }, T0]]).run;
    expect(gate.gate!.kind).toBe('reboot');
    const rebooting = advance(gate, { type: 'decision', actor: ALICE, action: 'reboot', stepIndex: gate.gate!.stepIndex }, T0, POLICY);
    expect(jobsOf(rebooting.effects).map((j) => j.stepId)).toEqual(['reboot']);
    const back = advance(rebooting.run, { type: 'step_finished', result: finished(rebooting.run, 'succeeded', { rebooted: true }) }, T0, POLICY);
    expect(jobsOf(back.effects).map((j) => j.stepId)).toEqual(['reopen-shell']);
  });
});

describe('a lost runner', () => {
  it('is interrupted when the heartbeat is older than the limit, and nothing is re-sent', () => {
    const run = approvedRun();
    const fresh = advance(run, { type: 'watchdog', runnerHeartbeatAt: T0 + 3000, runnerBusyJobId: null }, T0 + 3000 + POLICY.runnerLostAfterMs, POLICY);
    expect(fresh.run.status).toBe('running');
    expect(fresh.effects.map((e) => e.type)).toEqual(['set-timer']);
    const lost = advance(run, { type: 'watchdog', runnerHeartbeatAt: T0 + 3000, runnerBusyJobId: null }, T0 + 3001 + POLICY.runnerLostAfterMs, POLICY);
    expect(lost.run.status).toBe('interrupted');
    expect(jobsOf(lost.effects)).toEqual([]);
    expect(lost.effects.some((e) => e.type === 'reply' && e.message.kind === 'runner-lost')).toBe(true);
  });
});

describe('abort', () => {
  it('keeps the server lock until a step still on the server reports back', () => {
    const run = approvedRun();
    const aborted = advance(run, { type: 'abort', actor: ALICE }, T0 + 5000, POLICY);
    expect(aborted.run.status).toBe('aborted');
    expect(aborted.effects.map((e) => e.type)).not.toContain('release-lock');
    const back = advance(aborted.run, { type: 'step_finished', result: finished(aborted.run, 'succeeded') }, T0 + 6000, POLICY);
    expect(back.effects.map((e) => e.type)).toContain('release-lock');
    expect(jobsOf(back.effects)).toEqual([]);
  });

  it('mid-install needs a second admin', () => {
    const atInstall = runUntil(approvedRun(), 'install-update');
    const asked = advance(atInstall, { type: 'abort', actor: ALICE }, T0, POLICY);
    expect(asked.run.status).toBe('running');
    expect(asked.run.gate).toMatchObject({ kind: 'second-admin', pending: { action: 'abort', by: ALICE.id } });
    const done = advance(asked.run, { type: 'abort', actor: BOB }, T0, POLICY);
    expect(done.run.status).toBe('aborted');
  });
});
