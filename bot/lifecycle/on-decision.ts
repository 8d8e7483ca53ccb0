import { TWO_PERSON_KINDS } from '../../commands/step-definition.js';
import { audit, emit, finishRun, inFlight, refuse, reply, type Ctx } from './context.js';
import type { Actor } from './events.js';
import { next, sendExtra, sendStep, startRestore } from './on-step.js';
import type { DecisionAction, Gate } from './run.js';
import { allowedActions } from './on-decision-actions.js';

export { allowedActions };

/** The two-person rule: anything that changes what gets installed, or stops an install midway. */
export function needsSecondAdmin(ctx: Ctx, gate: Gate, action: DecisionAction): boolean {
  const kind = ctx.run.plan?.steps[gate.stepIndex]?.kind;
  if ((action === 'retry' || action === 'skip') && kind && TWO_PERSON_KINDS.includes(kind)) return true;
  if (gate.kind === 'reboot' && action === 'proceed') return true;
  return gate.kind === 'second-admin' && action === 'abort';
}

export function onDecision(ctx: Ctx, actor: Actor, action: DecisionAction, stepIndex: number): void {
  const run = ctx.run;
  if (!actor.isAdmin) return refuse(ctx, actor.id, 'not_admin', {}, { action, stepIndex });
  const gate = run.gate;
  if (!gate || gate.stepIndex !== stepIndex || !allowedActions(gate.kind).includes(action)) {
    return refuse(ctx, actor.id, 'stale_button', {}, { action, stepIndex });
  }
  if (needsSecondAdmin(ctx, gate, action)) {
    const pending = gate.pending;
    if (!pending || pending.action !== action) {
      run.gate = { ...gate, pending: { action, by: actor.id, at: ctx.now } };
      audit(ctx, 'decision_requested', actor.id, { action, stepIndex });
      reply(ctx, { kind: 'needs-second-admin', by: actor.id, action, stepIndex });
      emit(ctx, { type: 'update-parent' });
      return;
    }
    if (pending.by === actor.id) return refuse(ctx, actor.id, 'second_admin_required', { action }, { action, stepIndex });
  }
  audit(ctx, 'decision', actor.id, { action, stepIndex, confirms: gate.pending?.by ?? null });
  reply(ctx, { kind: 'decision', by: actor.id, action, stepIndex });
  execute(ctx, actor, action, gate);
}

function execute(ctx: Ctx, actor: Actor, action: DecisionAction, gate: Gate): void {
  const run = ctx.run;
  switch (action) {
    case 'retry':
    case 'wait':
      return sendStep(ctx, gate.stepIndex);
    case 'skip':
      run.steps[gate.stepIndex]!.status = 'skipped';
      run.gate = null;
      run.status = 'running';
      return next(ctx);
    case 'proceed':
      run.gate = null;
      run.status = 'running';
      return next(ctx);
    case 'reboot':
      run.gate = null;
      run.status = 'running';
      return sendExtra(ctx, 'reboot', { product: run.plan?.facts.product });
    case 'restore':
      return startRestore(ctx);
    case 'abort':
      reply(ctx, { kind: 'aborted', by: actor.id });
      return finishRun(ctx, 'aborted', 'aborted');
  }
}

/** `/cspatch abort` or an Abort button outside a gate. */
export function onAbort(ctx: Ctx, actor: Actor): void {
  const run = ctx.run;
  if (!actor.isAdmin) return refuse(ctx, actor.id, 'not_admin', {}, { action: 'abort' });
  if (['succeeded', 'rejected', 'expired', 'aborted'].includes(run.status)) return refuse(ctx, actor.id, 'already_finished', { status: run.status }, { action: 'abort' });
  if (run.gate) {
    if (run.gate.kind === 'second-admin' || allowedActions(run.gate.kind).includes('abort')) return onDecision(ctx, actor, 'abort', run.gate.stepIndex);
  }
  const kind = run.plan?.steps[run.current]?.kind;
  if (run.status === 'running' && inFlight(run) && kind && TWO_PERSON_KINDS.includes(kind)) {
    run.gate = { kind: 'second-admin', stepIndex: run.current, openedAt: ctx.now, data: {}, pending: null };
    return onDecision(ctx, actor, 'abort', run.current);
  }
  audit(ctx, 'aborted', actor.id, { status: run.status });
  reply(ctx, { kind: 'aborted', by: actor.id });
  finishRun(ctx, 'aborted', 'aborted');
}
