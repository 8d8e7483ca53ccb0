import { audit, emit, finishRun, reply, tell, type Ctx } from './context.js';
import type { Actor } from './events.js';
import { sendStep } from './on-step.js';

/** Only a listed admin other than the requester approves, and only the plan they were shown. */
export function onApprove(ctx: Ctx, actor: Actor, planHash: string): void {
  const run = ctx.run;
  if (!actor.isAdmin) return refuse(ctx, actor, 'not_admin');
  if (run.status !== 'awaiting_approval') {
    return refuse(ctx, actor, run.decidedBy ? 'already_decided' : 'not_awaiting', { by: run.decidedBy?.by ?? '' });
  }
  if (!run.plan || planHash !== run.plan.hash) return refuse(ctx, actor, 'approval_stale');
  if (run.approvalExpiresAt !== null && ctx.now >= run.approvalExpiresAt) {
    refuse(ctx, actor, 'approval_expired');
    return expire(ctx);
  }
  if (actor.id === run.requestedBy && !run.breakGlass) return refuse(ctx, actor, 'self_approval');
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
  if (!actor.isAdmin) return refuse(ctx, actor, 'not_admin');
  if (run.status !== 'awaiting_approval') {
    return refuse(ctx, actor, run.decidedBy ? 'already_decided' : 'not_awaiting', { by: run.decidedBy?.by ?? '' });
  }
  if (!run.plan || planHash !== run.plan.hash) return refuse(ctx, actor, 'approval_stale');
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

function refuse(ctx: Ctx, actor: Actor, key: string, params: Record<string, string> = {}): void {
  audit(ctx, 'refused', actor.id, { reason: key });
  tell(ctx, actor.id, key, params);
}
