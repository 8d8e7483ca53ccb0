/**
 * Random sequences of everything that can happen to a run (right and wrong clicks, duplicate
 * and stale results, timers at odd moments, a lost runner) never break the safety rules.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { advance } from '../../bot/lifecycle/advance.js';
import type { Effect } from '../../bot/lifecycle/effects.js';
import type { RunEvent, TimerName } from '../../bot/lifecycle/events.js';
import { inFlight } from '../../bot/lifecycle/context.js';
import type { DecisionAction, Run } from '../../bot/lifecycle/run.js';
import { ALICE, BOB, CAROL, CONFIRM_INPUT, DETECTED, EVE, POLICY, T0, finished, jobsOf, newRun } from './fixtures.js';

const ACTORS = [ALICE, BOB, CAROL, EVE];
const ACTIONS: DecisionAction[] = ['retry', 'skip', 'abort', 'restore', 'wait', 'proceed', 'reboot'];
const TIMERS: TimerName[] = ['approval', 'detect', 'resiliency-warn', 'resiliency-limit'];
const OUTCOMES = ['succeeded', 'succeeded', 'succeeded', 'failed', 'timed_out', 'interrupted', 'refused'] as const;

/** The event a well-behaved world would send next, so random walks get deep into a run. */
function progress(run: Run, pick: number): RunEvent {
  switch (run.status) {
    case 'detecting':
      return { type: 'detected', jobId: run.detectJobId ?? 'none', facts: DETECTED, error: null };
    case 'confirming':
      return { type: 'confirm', actor: ALICE, input: CONFIRM_INPUT };
    case 'awaiting_approval':
      return pick % 10 === 0 ? { type: 'reject', actor: CAROL, planHash: run.plan?.hash ?? '' } : { type: 'approve', actor: BOB, planHash: run.plan?.hash ?? '' };
    case 'failed':
    case 'interrupted':
    case 'waiting': {
      const action: DecisionAction = run.gate?.kind === 'open-shells' ? 'proceed' : run.gate?.kind === 'reboot' ? 'reboot' : pick % 3 === 0 ? 'skip' : 'retry';
      return { type: 'decision', actor: pick % 2 ? BOB : CAROL, action, stepIndex: run.gate?.stepIndex ?? run.current };
    }
    default: {
      const outcome = pick % 19 === 0 ? 'failed' : pick % 23 === 0 ? 'interrupted' : 'succeeded';
      const stepId = run.plan?.steps[run.current]?.stepId;
      const data = stepId === 'check-shells' && pick % 4 === 0 ? { gate: 'open-shells', processes: [] } : stepId === 'install-update' && pick % 4 === 0 ? { rebootRequired: true } : {};
      return { type: 'step_finished', result: finished(run, outcome, data) };
    }
  }
}

/** Turns a random number into an event that makes sense (or deliberately does not) for the state. */
function eventFor(run: Run, raw: number, seen: string[], now: number): RunEvent {
  if (raw % 4 !== 0) return progress(run, Math.floor(raw / 4));
  const pick = Math.floor(raw / 4);
  const actor = ACTORS[pick % ACTORS.length]!;
  const current = run.steps[run.current];
  const extra = run.extra.find((e) => e.state.status === 'sent' || e.state.status === 'running');
  switch (pick % 11) {
    case 0:
      return { type: 'detected', jobId: run.detectJobId ?? 'none', facts: DETECTED, error: null };
    case 1:
      return { type: 'confirm', actor, input: { ...CONFIRM_INPUT, acknowledgeDifferences: pick % 3 === 0 } };
    case 2:
      return { type: 'approve', actor, planHash: pick % 5 === 0 ? 'f'.repeat(64) : run.plan?.hash ?? '' };
    case 3:
      return pick % 7 === 0 ? { type: 'reject', actor, planHash: run.plan?.hash ?? '' } : { type: 'approve', actor, planHash: run.plan?.hash ?? '' };
    case 4:
    case 5: {
      const outcome = OUTCOMES[pick % OUTCOMES.length]!;
      const stepId = extra?.stepId ?? run.plan?.steps[run.current]?.stepId;
      const data = stepId === 'check-shells' && pick % 2 ? { gate: 'open-shells', processes: [] } : stepId === 'install-update' && pick % 2 ? { rebootRequired: true } : {};
      return { type: 'step_finished', result: finished(run, outcome, data) };
    }
    case 6: {
      const old = seen[pick % Math.max(1, seen.length)];
      const r = finished(run, 'succeeded');
      return { type: 'step_finished', result: { ...r, jobId: old ?? r.jobId } };
    }
    case 7:
      return { type: 'decision', actor, action: ACTIONS[pick % ACTIONS.length]!, stepIndex: (run.gate?.stepIndex ?? run.current) + (pick % 13 === 0 ? 1 : 0) };
    case 8:
      return pick % 4 === 0 ? { type: 'abort', actor } : { type: 'step_started', jobId: extra?.state.jobId ?? current?.jobId ?? 'none', at: T0 };
    case 9:
      return { type: 'timer', name: TIMERS[pick % TIMERS.length]! };
    default:
      return { type: 'watchdog', runnerHeartbeatAt: pick % 5 === 0 ? null : pick % 5 === 1 ? T0 : now - 1000, runnerBusyJobId: null };
  }
}

describe('run lifecycle invariants', () => {
  it('holds under random event sequences', () => {
    const reached = new Set<string>();
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 ** 30 }), fc.integer({ min: 0, max: 40 * 60_000 })), { minLength: 60, maxLength: 200, size: 'max' }), (steps) => {
        let { run } = newRun();
        let now = T0;
        const effects: Effect[] = [];
        const jobIds = new Set<string>(jobsOf(newRun().effects).map((j) => j.jobId));
        const seen = [...jobIds];
        for (const [pick, dt] of steps) {
          now += dt % 17 === 0 ? dt : 1000;
          const t = advance(run, eventFor(run, pick, seen, now), now, POLICY);
          for (const job of jobsOf(t.effects)) {
            expect(jobIds.has(job.jobId)).toBe(false);
            jobIds.add(job.jobId);
            seen.push(job.jobId);
            // Work on the server only after a second admin approved the exact plan.
            if (job.stepId !== 'detect-facts') {
              expect(t.run.approval).not.toBeNull();
              expect(t.run.approval!.by).not.toBe(t.run.requestedBy);
              expect(t.run.approval!.planHash).toBe(t.run.plan!.hash);
            }
          }
          // Never two jobs on the server at once for one run.
          const out = [...t.run.steps, ...t.run.extra.map((e) => e.state)].filter((s) => s.status === 'sent' || s.status === 'running');
          expect(out.length).toBeLessThanOrEqual(1);
          if (['succeeded', 'rejected', 'expired'].includes(t.run.status)) expect(jobsOf(t.effects).filter((j) => j.stepId !== 'detect-facts')).toEqual([]);
          if (t.run.status === 'succeeded') expect(t.run.steps.every((s) => s.status === 'succeeded' || s.status === 'skipped')).toBe(true);
          effects.push(...t.effects);
          run = t.run;
          reached.add(run.status);
        }
        expect(effects.filter((e) => e.type === 'release-lock').length).toBeLessThanOrEqual(1);
        expect(effects.filter((e) => e.type === 'finish').length).toBeLessThanOrEqual(1);
        if (effects.some((e) => e.type === 'release-lock')) expect(inFlight(run)).toBe(false);
      }),
      { seed: 20261127, numRuns: 120 },
    );
    // The sequences must actually reach the interesting states, or the property proves little.
    expect([...reached].sort()).toEqual(
      expect.arrayContaining(['aborted', 'awaiting_approval', 'confirming', 'expired', 'failed', 'interrupted', 'rejected', 'running', 'succeeded', 'waiting']),
    );
  });
});
