import { emit, finishRun, inFlight, reply, audit, type Ctx } from './context.js';
import type { TimerName } from './events.js';
import { expire } from './on-approval.js';
import { openGate } from './on-step.js';

export function onTimer(ctx: Ctx, name: Exclude<TimerName, 'watchdog'>): void {
  const run = ctx.run;
  const clock = run.resiliency;
  switch (name) {
    case 'approval':
      if (run.status === 'awaiting_approval' && run.approvalExpiresAt !== null && ctx.now >= run.approvalExpiresAt) expire(ctx);
      return;
    case 'detect':
      if (run.status !== 'detecting') return;
      reply(ctx, { kind: 'detect-failed', error: 'timeout' });
      audit(ctx, 'expired', 'cspatch', { reason: 'runner_silent' });
      return finishRun(ctx, 'expired', 'runner_silent');
    case 'resiliency-warn':
      if (clock.startedAt === null || clock.endedAt !== null || clock.warned) return;
      clock.warned = true;
      reply(ctx, { kind: 'resiliency-warning', minutes: Math.round((ctx.now - clock.startedAt) / 60000) });
      emit(ctx, { type: 'update-parent' });
      return;
    case 'resiliency-limit':
      if (clock.startedAt === null || clock.endedAt !== null || clock.limitPassed) return;
      clock.limitPassed = true;
      reply(ctx, { kind: 'resiliency-limit', minutes: Math.round((ctx.now - clock.startedAt) / 60000) });
      emit(ctx, { type: 'update-parent' });
      return;
  }
}

/**
 * The runner is lost when its heartbeat is older than the limit while a job is out. The step's
 * outcome is then unknown: it is marked interrupted and a human decides; nothing is re-sent.
 */
export function onWatchdog(ctx: Ctx, heartbeatAt: number | null): void {
  const run = ctx.run;
  if (!inFlight(run)) return;
  const extra = run.extra.find((e) => e.state.status === 'sent' || e.state.status === 'running');
  const rebooting = extra?.stepId === 'reboot';
  const limit = rebooting ? Math.max(ctx.policy.runnerLostAfterMs, ctx.policy.rebootGraceMs) : ctx.policy.runnerLostAfterMs;
  if (heartbeatAt !== null && ctx.now - heartbeatAt <= limit) {
    emit(ctx, { type: 'set-timer', name: 'watchdog', at: ctx.now + Math.max(1000, Math.floor(ctx.policy.runnerLostAfterMs / 3)) });
    return;
  }
  const state = extra ? extra.state : run.steps[run.current]!;
  state.status = 'interrupted';
  state.finishedAt = ctx.now;
  state.message = 'runner_lost';
  audit(ctx, 'runner_lost', 'cspatch', { jobId: state.jobId, heartbeatAt });
  reply(ctx, { kind: 'runner-lost', stepIndex: run.current });
  if (run.status === 'aborted') {
    emit(ctx, { type: 'release-lock' });
    emit(ctx, { type: 'finish' });
    return;
  }
  if (run.status === 'restoring') {
    audit(ctx, 'restored', 'cspatch', { ok: false });
    return finishRun(ctx, 'aborted', 'restore_failed');
  }
  openGate(ctx, rebooting ? 'reboot' : 'interrupted', run.current, rebooting ? { rebootOutcome: 'interrupted' } : {});
}
