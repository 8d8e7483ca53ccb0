import type { FinishedResult } from '../../core/messages.js';
import { advance, createRun, type Transition } from '../../bot/lifecycle/advance.js';
import type { Effect } from '../../bot/lifecycle/effects.js';
import type { RunEvent } from '../../bot/lifecycle/events.js';
import type { Policy } from '../../bot/lifecycle/policy.js';
import type { DetectedFacts, Run } from '../../bot/lifecycle/run.js';

export const POLICY: Policy = {
  approvalTtlMs: 30 * 60_000,
  detectTimeoutMs: 120_000,
  runnerLostAfterMs: 90_000,
  rebootGraceMs: 15 * 60_000,
  resiliencyWarnMs: 25 * 60_000,
  resiliencyLimitMs: 30 * 60_000,
  planOptions: { extraSteps: true, minFreeBytes: 2 * 1024 ** 3 },
};

export const T0 = 1_800_000_000_000;
export const SHA = 'A'.repeat(64);
export const PATH = 'C:\\Updates\\SkypeServerUpdateInstaller.exe';
export const ALICE = { id: 'UALICE', isAdmin: true };
export const BOB = { id: 'UBOB', isAdmin: true };
export const CAROL = { id: 'UCAROL', isAdmin: true };
export const EVE = { id: 'UEVE', isAdmin: false };

export const DETECTED: DetectedFacts = {
  product: 'sfb2019',
  version: '7.0.2046.123',
  edition: 'enterprise',
  poolFqdn: 'pool01.contoso.com',
  sqlServerFqdn: 'sql01.contoso.com',
  collocated: ['monitoring'],
  csComponents: true,
  mirrored: false,
  pendingReboot: false,
  package: { path: PATH, exists: true, sha256: SHA, signature: 'Valid', signer: 'CN=Microsoft Corporation, O=Microsoft Corporation' },
};

export function newRun(): Transition {
  return createRun(
    { id: 'run0001', server: 'be01.contoso.com', channel: 'C1', requestedBy: ALICE.id, lang: 'en', packagePath: PATH, breakGlass: null, lock: { runId: 'run0001', token: 7 } },
    T0,
    POLICY,
  );
}

/** Applies events in order, returning the final run and every effect emitted along the way. */
export function play(run: Run, events: Array<[RunEvent, number]>): { run: Run; effects: Effect[] } {
  let current = run;
  const all: Effect[] = [];
  for (const [event, at] of events) {
    const t = advance(current, event, at, POLICY);
    current = t.run;
    all.push(...t.effects);
  }
  return { run: current, effects: all };
}

export function jobsOf(effects: readonly Effect[]): Array<Extract<Effect, { type: 'send-job' }>> {
  return effects.filter((e): e is Extract<Effect, { type: 'send-job' }> => e.type === 'send-job');
}

export function finished(run: Run, outcome: FinishedResult['outcome'], data: Record<string, unknown> = {}, at = T0): FinishedResult {
  const state = run.steps[run.current];
  const extra = run.extra.find((e) => e.state.status === 'sent' || e.state.status === 'running');
  const jobId = extra?.state.jobId ?? state?.jobId ?? 'none';
  const stepId = extra?.stepId ?? run.plan?.steps[run.current]?.stepId ?? 'none';
  return { v: 1, type: 'finished', jobId, runId: run.id, server: run.server, stepId, outcome, exitCode: outcome === 'succeeded' ? 0 : 1, durationMs: 1000, data, tail: ['line'], at, sig: 'x' };
}

export const CONFIRM_INPUT = { product: 'sfb2019', edition: 'enterprise', collocatedStores: true, sqlServerFqdn: 'sql01.contoso.com', packagePath: PATH, acknowledgeDifferences: false };

/** A run whose plan waits for approval. */
export function plannedRun(): Run {
  const { run } = newRun();
  return play(run, [
    [{ type: 'detected', jobId: run.detectJobId!, facts: DETECTED, error: null }, T0 + 1000],
    [{ type: 'confirm', actor: ALICE, input: CONFIRM_INPUT }, T0 + 2000],
  ]).run;
}

/** A run approved by a second admin, its first step sent. */
export function approvedRun(): Run {
  const planned = plannedRun();
  return play(planned, [[{ type: 'approve', actor: BOB, planHash: planned.plan!.hash }, T0 + 3000]]).run;
}

/** Drives the current step to success repeatedly until `stepId` is the current step. */
export function runUntil(run: Run, stepId: string, at = T0 + 10_000): Run {
  let current = run;
  for (let guard = 0; guard < 30 && current.plan?.steps[current.current]?.stepId !== stepId; guard += 1) {
    current = play(current, [[{ type: 'step_finished', result: finished(current, 'succeeded') }, at]]).run;
  }
  return current;
}
