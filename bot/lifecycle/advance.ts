import { audit, emit, reply, type Ctx } from './context.js';
import type { Effect } from './effects.js';
import type { RunEvent } from './events.js';
import { onApprove, onReject } from './on-approval.js';
import { onConfirm, onDetected, sendDetect } from './on-confirm.js';
import { onAbort, onDecision } from './on-decision.js';
import { onFinished, onStarted } from './on-step.js';
import { onTimer, onWatchdog } from './on-timer.js';
import type { Policy } from './policy.js';
import type { Run } from './run.js';

export interface Transition {
  readonly run: Run;
  readonly effects: readonly Effect[];
}

/**
 * The run lifecycle, as one pure function: the next state and the effects to perform. Same input,
 * same output; no clock, no I/O. Events that do not apply to the state change nothing.
 *
 * @example const { run: next, effects } = advance(run, { type: 'timer', name: 'approval' }, Date.now(), policy)
 */
export function advance(run: Run, event: RunEvent, now: number, policy: Policy): Transition {
  const ctx: Ctx = { run: structuredClone(run), effects: [], now, policy };
  switch (event.type) {
    case 'detected':
      onDetected(ctx, event.jobId, event.facts, event.error);
      break;
    case 'confirm':
      onConfirm(ctx, event.actor, event.input);
      break;
    case 'approve':
      onApprove(ctx, event.actor, event.planHash);
      break;
    case 'reject':
      onReject(ctx, event.actor, event.planHash);
      break;
    case 'step_started':
      onStarted(ctx, event.jobId, event.at);
      break;
    case 'step_finished':
      onFinished(ctx, event.result);
      break;
    case 'decision':
      onDecision(ctx, event.actor, event.action, event.stepIndex);
      break;
    case 'abort':
      onAbort(ctx, event.actor);
      break;
    case 'timer':
      if (event.name !== 'watchdog') onTimer(ctx, event.name);
      break;
    case 'watchdog':
      onWatchdog(ctx, event.runnerHeartbeatAt);
      break;
  }
  return { run: ctx.run, effects: ctx.effects };
}

export interface NewRunInput {
  readonly id: string;
  readonly server: string;
  readonly channel: string;
  readonly requestedBy: string;
  readonly lang: string;
  readonly packagePath: string | null;
  readonly breakGlass: { readonly reason: string } | null;
  readonly lock: Run['lock'];
}

/** A new run in `detecting`, with the effects that announce it and ask the runner for facts. */
export function createRun(input: NewRunInput, now: number, policy: Policy): Transition {
  const run: Run = {
    ...input,
    requestedAt: now,
    status: 'detecting',
    reason: null,
    detectJobId: null,
    detected: null,
    pendingConfirmation: null,
    confirmed: null,
    confirmedBy: null,
    mismatches: [],
    plan: null,
    approvalExpiresAt: null,
    approval: null,
    decidedBy: null,
    current: 0,
    steps: [],
    extra: [],
    restore: null,
    gate: null,
    resiliency: { startedAt: null, endedAt: null, warned: false, limitPassed: false },
    versionBefore: null,
    versionAfter: null,
    finishedAt: null,
    seq: 0,
  };
  const ctx: Ctx = { run, effects: [], now, policy };
  emit(ctx, { type: 'post-parent' });
  audit(ctx, 'requested', input.requestedBy, { server: input.server, packagePath: input.packagePath, breakGlass: input.breakGlass });
  if (input.breakGlass) {
    // Loudly: its own audit entry and a thread reply, not only a field of the request.
    audit(ctx, 'break_glass', input.requestedBy, { reason: input.breakGlass.reason, waives: 'second-admin approval' });
    reply(ctx, { kind: 'break-glass', by: input.requestedBy, reason: input.breakGlass.reason });
  }
  sendDetect(ctx, input.packagePath);
  return { run: ctx.run, effects: ctx.effects };
}
