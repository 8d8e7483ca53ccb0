import type { FinishedResult } from '../../core/messages.js';
import { audit, emit, finishRun, inFlight, nextId, reply, type Ctx } from './context.js';
import { emptyStep, type StepState } from './run.js';

/** Steps whose start marks the back end going down, and whose end brings it back. */
const CLOCK_START = 'stop-services';
const CLOCK_END = ['start-services', 'update-databases'];

function armWatchdog(ctx: Ctx): void {
  emit(ctx, { type: 'set-timer', name: 'watchdog', at: ctx.now + Math.max(1000, Math.floor(ctx.policy.runnerLostAfterMs / 3)) });
}

function dispatch(ctx: Ctx, state: StepState, stepId: string, params: Record<string, unknown>): void {
  state.attempts += 1;
  state.status = 'sent';
  state.jobId = nextId(ctx, 'job');
  state.sentAt = ctx.now;
  state.startedAt = null;
  state.finishedAt = null;
  emit(ctx, { type: 'send-job', jobId: state.jobId, stepId, params, attempt: state.attempts });
  armWatchdog(ctx);
}

/** Sends plan step `index` to the runner. */
export function sendStep(ctx: Ctx, index: number): void {
  const run = ctx.run;
  const step = run.plan?.steps[index];
  const state = run.steps[index];
  if (!step || !state) return;
  run.current = index;
  run.status = 'running';
  run.gate = null;
  if (step.stepId === CLOCK_START && run.resiliency.startedAt === null) {
    run.resiliency.startedAt = ctx.now;
    emit(ctx, { type: 'set-timer', name: 'resiliency-warn', at: ctx.now + ctx.policy.resiliencyWarnMs });
    emit(ctx, { type: 'set-timer', name: 'resiliency-limit', at: ctx.now + ctx.policy.resiliencyLimitMs });
  }
  dispatch(ctx, state, step.stepId, step.params);
  emit(ctx, { type: 'update-parent' });
}

/** Sends a step outside the plan (the reboot, or restoring services). */
export function sendExtra(ctx: Ctx, stepId: string, params: Record<string, unknown>): void {
  const state = emptyStep();
  ctx.run.extra.push({ stepId, state });
  dispatch(ctx, state, stepId, params);
  emit(ctx, { type: 'update-parent' });
}

function findByJob(ctx: Ctx, jobId: string): { state: StepState; index: number; extra: boolean } | null {
  const run = ctx.run;
  const current = run.steps[run.current];
  if (current && current.jobId === jobId) return { state: current, index: run.current, extra: false };
  const e = run.extra.findIndex((x) => x.state.jobId === jobId);
  if (e >= 0) return { state: run.extra[e]!.state, index: e, extra: true };
  return null;
}

export function onStarted(ctx: Ctx, jobId: string, at: number): void {
  const found = findByJob(ctx, jobId);
  if (!found || found.state.status !== 'sent') return;
  found.state.status = 'running';
  found.state.startedAt = at;
  const stepId = found.extra ? ctx.run.extra[found.index]?.stepId : ctx.run.plan?.steps[found.index]?.stepId;
  audit(ctx, 'step_started', 'runner', { jobId, stepId: stepId ?? null, attempt: found.state.attempts });
  if (found.extra) reply(ctx, { kind: 'extra-started', extraIndex: found.index });
  else reply(ctx, { kind: 'step-started', stepIndex: found.index, attempt: found.state.attempts });
  emit(ctx, { type: 'update-parent' });
}

function record(state: StepState, r: FinishedResult, now: number): void {
  state.status = r.outcome;
  state.finishedAt = now;
  state.startedAt = state.startedAt ?? r.at - r.durationMs;
  state.durationMs = r.durationMs;
  state.exitCode = r.exitCode;
  state.data = r.data;
  state.tail = r.tail;
  state.message = r.message ?? null;
  state.errorCode = r.errorCode ?? null;
}

export function onFinished(ctx: Ctx, r: FinishedResult): void {
  const run = ctx.run;
  const found = findByJob(ctx, r.jobId);
  // Late or duplicate deliveries of a result already applied change nothing.
  if (!found || (found.state.status !== 'sent' && found.state.status !== 'running')) return;
  record(found.state, r, ctx.now);
  audit(ctx, 'step_finished', 'runner', { jobId: r.jobId, stepId: r.stepId, outcome: r.outcome, exitCode: r.exitCode });
  if (found.extra) {
    reply(ctx, { kind: 'extra-finished', extraIndex: found.index });
    return onExtraFinished(ctx, found.index);
  }
  reply(ctx, { kind: 'step-finished', stepIndex: found.index, attempt: found.state.attempts });
  if (run.status === 'aborted') {
    // The abort came while this step ran: now that the server is done with it, let go.
    emit(ctx, { type: 'release-lock' });
    emit(ctx, { type: 'finish' });
    emit(ctx, { type: 'update-parent' });
    return;
  }
  emit(ctx, { type: 'clear-timer', name: 'watchdog' });
  if (r.outcome !== 'succeeded') return openGate(ctx, r.outcome === 'interrupted' ? 'interrupted' : 'failure', found.index, {});
  if (r.data.gate === 'open-shells') return openGate(ctx, 'open-shells', found.index, { processes: r.data.processes ?? [] });
  if (r.stepId === 'install-update' && r.data.rebootRequired === true) return openGate(ctx, 'reboot', found.index, {});
  next(ctx);
}

export function openGate(ctx: Ctx, kind: 'failure' | 'interrupted' | 'open-shells' | 'reboot', stepIndex: number, data: Record<string, unknown>): void {
  const run = ctx.run;
  run.status = kind === 'failure' ? 'failed' : kind === 'interrupted' ? 'interrupted' : 'waiting';
  run.gate = { kind, stepIndex, openedAt: ctx.now, data, pending: null };
  reply(ctx, { kind: 'gate', stepIndex });
  emit(ctx, { type: 'update-parent' });
}

/** Marks the current step done and moves on; completes the run after the last step. */
export function next(ctx: Ctx): void {
  const run = ctx.run;
  const done = run.plan?.steps[run.current];
  if (done && CLOCK_END.includes(done.stepId) && run.resiliency.startedAt !== null && run.resiliency.endedAt === null) {
    const laterEnd = run.plan?.steps.slice(run.current + 1).some((s) => CLOCK_END.includes(s.stepId));
    if (!laterEnd) {
      run.resiliency.endedAt = ctx.now;
      emit(ctx, { type: 'clear-timer', name: 'resiliency-warn' });
      emit(ctx, { type: 'clear-timer', name: 'resiliency-limit' });
    }
  }
  const following = run.current + 1;
  if (run.plan && following < run.plan.steps.length) return sendStep(ctx, following);
  const verify = run.steps.find((_, i) => run.plan?.steps[i]?.stepId === 'verify');
  const after = verify?.data.versionAfter;
  run.versionAfter = typeof after === 'string' ? after : null;
  audit(ctx, 'succeeded', 'cspatch', { planHash: run.plan?.hash ?? null });
  reply(ctx, { kind: 'summary' });
  finishRun(ctx, 'succeeded', null);
}

function onExtraFinished(ctx: Ctx, extraIndex: number): void {
  const run = ctx.run;
  const extra = run.extra[extraIndex]!;
  if (run.status === 'aborted') {
    if (!inFlight(run)) {
      emit(ctx, { type: 'release-lock' });
      emit(ctx, { type: 'finish' });
    }
    return;
  }
  if (run.status === 'restoring') return continueRestore(ctx);
  emit(ctx, { type: 'clear-timer', name: 'watchdog' });
  if (extra.stepId === 'reboot') {
    if (extra.state.status === 'succeeded') {
      run.steps[run.current]!.data = { ...run.steps[run.current]!.data, rebooted: true };
      return next(ctx);
    }
    // The reboot did not report back cleanly: a human looks before anything else runs.
    return openGate(ctx, 'reboot', run.current, { rebootOutcome: extra.state.status });
  }
}

/** Which service steps to run to bring a half-patched server back, in order. */
function restoreSequence(ctx: Ctx): string[] {
  const run = ctx.run;
  const ran = (id: string) => run.plan?.steps.some((s, i) => s.stepId === id && run.steps[i]!.attempts > 0) ?? false;
  const done = (id: string) => run.plan?.steps.some((s, i) => s.stepId === id && run.steps[i]!.status === 'succeeded') ?? false;
  const seq: string[] = [];
  if (ran('stop-w3svc') && !done('start-w3svc')) seq.push('start-w3svc');
  if ((ran('stop-services') || ran('stop-services-again')) && !done('start-services')) seq.push('start-services');
  return seq;
}

export function startRestore(ctx: Ctx): void {
  const run = ctx.run;
  run.status = 'restoring';
  run.gate = null;
  run.restore = { steps: restoreSequence(ctx), from: run.extra.length };
  continueRestore(ctx);
}

function continueRestore(ctx: Ctx): void {
  const run = ctx.run;
  const restore = run.restore ?? { steps: [], from: run.extra.length };
  const sent = run.extra.slice(restore.from);
  const product = run.plan?.facts.product;
  const nextStep = restore.steps[sent.length];
  if (nextStep === undefined || !product) {
    const ok = sent.every((e) => e.state.status === 'succeeded');
    audit(ctx, 'restored', 'cspatch', { ok, steps: restore.steps });
    finishRun(ctx, 'aborted', ok ? 'restored' : 'restore_failed');
    return;
  }
  sendExtra(ctx, nextStep, { product });
}
