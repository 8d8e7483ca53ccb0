import type { Effect, ThreadMessage, EphemeralMessage } from './effects.js';
import type { Policy } from './policy.js';
import type { Run } from './run.js';

/** The working state of one `advance` call: a private copy of the run and the effects so far. */
export interface Ctx {
  readonly run: Run;
  readonly effects: Effect[];
  readonly now: number;
  readonly policy: Policy;
}

export function emit(ctx: Ctx, effect: Effect): void {
  ctx.effects.push(effect);
}

export function reply(ctx: Ctx, message: ThreadMessage): void {
  ctx.effects.push({ type: 'reply', message });
}

export function tell(ctx: Ctx, user: string, key: string, params: EphemeralMessage['params'] = {}): void {
  ctx.effects.push({ type: 'ephemeral', message: { user, key, params } });
}

/** Records who did what, with the plan hash as it is at this point of the transition. */
export function audit(ctx: Ctx, action: string, actor: string, detail: Record<string, unknown> = {}): void {
  ctx.effects.push({ type: 'audit', action, actor, detail, planHash: ctx.run.plan?.hash ?? null });
}

/** Says no to someone, privately, and records the refusal with its reason in the audit trail. */
export function refuse(ctx: Ctx, user: string, key: string, params: EphemeralMessage['params'] = {}, detail: Record<string, unknown> = {}): void {
  audit(ctx, 'refused', user, { reason: key, ...detail });
  tell(ctx, user, key, params);
}

/** Deterministic, unique per run: replaying the same event on the same state gives the same ids. */
export function nextId(ctx: Ctx, kind: string): string {
  ctx.run.seq += 1;
  return `${ctx.run.id}-${kind}${ctx.run.seq}`;
}

/** Ends the run: parent refreshed, lock released (unless a step is still in flight), kept for history. */
export function finishRun(ctx: Ctx, status: Run['status'], reason: string | null): void {
  const run = ctx.run;
  run.status = status;
  run.reason = reason;
  run.finishedAt = ctx.now;
  run.gate = null;
  if (run.resiliency.startedAt !== null && run.resiliency.endedAt === null && !inFlight(run)) run.resiliency.endedAt = ctx.now;
  for (const name of ['approval', 'detect', 'watchdog', 'resiliency-warn', 'resiliency-limit']) emit(ctx, { type: 'clear-timer', name });
  emit(ctx, { type: 'update-parent' });
  if (!inFlight(run)) {
    emit(ctx, { type: 'release-lock' });
    emit(ctx, { type: 'finish' });
  }
}

/** A job was sent and has not reported back: the server may still be acting on it. */
export function inFlight(run: Run): boolean {
  const current = run.steps[run.current];
  if (current && (current.status === 'sent' || current.status === 'running')) return true;
  return run.extra.some((e) => e.state.status === 'sent' || e.state.status === 'running');
}
