import { audit, emit, finishRun, refuse, reply, type Ctx } from './context.js';
import type { Actor } from './events.js';
import { sendStep } from './on-step.js';

/** Only a listed admin other than the requester approves, and only the plan they were shown. */
/** The checks an approval and a rejection share; true when the decision may be taken. */
function mayDecide(ctx: Ctx, actor: Actor, planHash: string, action: 'approve' | 'reject'): boolean {
  const run = ctx.run;
  const shown = { action, buttonPlanHash: planHash };
  if (!actor.isAdmin) {
    refuse(ctx, actor.id, 'not_admin', {}, shown);
    return false;
  }
  if (run.status !== 'awaiting_approval') {
    const closed = closedReason(ctx);
    refuse(ctx, actor.id, closed.key, closed.params, shown);
    return false;
  }
  if (!run.plan || planHash !== run.plan.hash) {
    refuse(ctx, actor.id, 'approval_stale', {}, shown);
    return false;
  }
  return true;
}

export function onApprove(ctx: Ctx, actor: Actor, planHash: string): void {
  const run = ctx.run;
  const shown = { action: 'approve', buttonPlanHash: planHash };
  if (!mayDecide(ctx, actor, planHash, 'approve')) return;
  if (run.approvalExpiresAt !== null && ctx.now >= run.approvalExpiresAt) {
    refuse(ctx, actor.id, 'approval_expired', {}, shown);
    return expire(ctx);
  }
  if (actor.id === run.requestedBy && !run.breakGlass) return refuse(ctx, actor.id, 'self_approval', {}, shown);
  run.approval = { by: actor.id, at: ctx.now, planHash };
  run.decidedBy = { by: actor.id, at: ctx.now, action: 'approved' };
  run.status = 'running';
  emit(ctx, { type: 'clear-timer', name: 'approval' });
  audit(ctx, run.breakGlass && actor.id === run.requestedBy ? 'approved_break_glass' : 'approved', actor.id, { planHash });
  reply(ctx, { kind: 'approved', by: actor.id });
  sendStep(ctx, 0);
}

export function onReject(ctx: Ctx, actor: Actor, planHash: string): void {
  const run = ctx.run;
  if (!mayDecide(ctx, actor, planHash, 'reject')) return;
  run.decidedBy = { by: actor.id, at: ctx.now, action: 'rejected' };
  audit(ctx, 'rejected', actor.id, { planHash });
  reply(ctx, { kind: 'rejected', by: actor.id });
  finishRun(ctx, 'rejected', 'rejected');
}

export function expire(ctx: Ctx): void {
  audit(ctx, 'expired', 'cspatch', { planHash: ctx.run.plan?.hash ?? null });
  reply(ctx, { kind: 'expired' });
  finishRun(ctx, 'expired', 'approval_expired');
}

/** Why an approve or reject button no longer applies: decided, expired, or never shown yet. */
function closedReason(ctx: Ctx): { key: string; params: Record<string, string> } {
  const run = ctx.run;
  if (run.decidedBy) return { key: 'already_decided', params: { by: run.decidedBy.by } };
  if (run.status === 'expired' && run.reason === 'approval_expired') return { key: 'approval_expired', params: {} };
  return { key: 'not_awaiting', params: { by: '' } };
}
