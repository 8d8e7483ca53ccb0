import { buildPlan } from '../../commands/build-plan.js';
import { coerceError } from '../../core/errors.js';
import { checkConfirmation } from './confirmation.js';
import { audit, emit, nextId, refuse, reply, type Ctx } from './context.js';
import type { Actor, ConfirmInput } from './events.js';
import { emptyStep, type ConfirmedFactsDraft, type DetectedFacts } from './run.js';

/** Asks the runner what the server is (and about the package, when a path is known). */
export function sendDetect(ctx: Ctx, packagePath: string | null): void {
  const jobId = nextId(ctx, 'detect');
  ctx.run.detectJobId = jobId;
  emit(ctx, { type: 'send-job', jobId, stepId: 'detect-facts', params: packagePath ? { packagePath } : {}, attempt: 1 });
  emit(ctx, { type: 'set-timer', name: 'detect', at: ctx.now + ctx.policy.detectTimeoutMs });
}

export function onDetected(ctx: Ctx, jobId: string, facts: DetectedFacts | null, error: string | null): void {
  const run = ctx.run;
  if (run.status !== 'detecting' || jobId !== run.detectJobId) return;
  emit(ctx, { type: 'clear-timer', name: 'detect' });
  // A package-only re-detection must not wipe the server facts the first probe found.
  run.detected = facts ?? run.detected;
  if (error) reply(ctx, { kind: 'detect-failed', error });
  audit(ctx, 'detected', 'runner', { facts, error });
  const draft = run.pendingConfirmation;
  run.pendingConfirmation = null;
  if (draft) {
    tryBuildPlan(ctx, draft);
    return;
  }
  run.status = 'confirming';
  emit(ctx, { type: 'update-parent' });
}

/**
 * The confirmed facts decide the plan. While the plan waits for approval the facts may be
 * confirmed again: the old plan is withdrawn, so an approve button bound to its hash stops working.
 */
export function onConfirm(ctx: Ctx, actor: Actor, input: ConfirmInput): void {
  const run = ctx.run;
  if (!actor.isAdmin) return refuse(ctx, actor.id, 'not_admin', {}, { action: 'confirm' });
  const again = run.status === 'awaiting_approval';
  if (run.status !== 'confirming' && !again) return refuse(ctx, actor.id, 'not_confirming', { status: run.status }, { action: 'confirm' });
  const check = checkConfirmation(run.detected, input);
  if (!check.ok) return refuse(ctx, actor.id, 'confirm_invalid', { fields: Object.keys(check.errors).join(', ') }, { action: 'confirm' });
  if (again) withdrawPlan(ctx, actor.id);
  const draft: ConfirmedFactsDraft = { ...check.draft, by: actor.id };
  audit(ctx, 'confirmed', actor.id, { draft });
  const pkg = run.detected?.package;
  if (pkg && pkg.path === draft.packagePath && pkg.exists && pkg.sha256) {
    tryBuildPlan(ctx, draft);
    return;
  }
  // The package has not been looked at yet (or a different path was given): ask the runner first.
  run.pendingConfirmation = draft;
  run.packagePath = draft.packagePath;
  run.status = 'detecting';
  sendDetect(ctx, draft.packagePath);
  emit(ctx, { type: 'update-parent' });
}

function withdrawPlan(ctx: Ctx, by: string): void {
  const run = ctx.run;
  audit(ctx, 'plan_withdrawn', by, { reason: 'reconfirmed' });
  emit(ctx, { type: 'clear-timer', name: 'approval' });
  run.plan = null;
  run.steps = [];
  run.confirmed = null;
  run.confirmedBy = null;
  run.mismatches = [];
  run.approvalExpiresAt = null;
  run.status = 'confirming';
}

function packageProblem(detected: DetectedFacts | null): string | null {
  const pkg = detected?.package;
  // Detection gave nothing at all: the package was never looked at, so "not found" would mislead.
  if (!detected) return 'unreadable';
  if (!pkg || !pkg.exists) return 'missing';
  if (!pkg.sha256) return 'unreadable';
  if (pkg.signature !== 'Valid' || !/O=Microsoft Corporation/.test(pkg.signer ?? '')) return 'unsigned';
  return null;
}

function serverProblem(detected: DetectedFacts | null): string | null {
  if (detected?.mirrored) return 'mirrored';
  if (detected?.csComponents === false) return 'no_components';
  return null;
}

function tryBuildPlan(ctx: Ctx, draft: ConfirmedFactsDraft): void {
  const run = ctx.run;
  run.status = 'confirming';
  const problem = packageProblem(run.detected);
  if (problem) {
    reply(ctx, { kind: 'package-problem', problem });
    emit(ctx, { type: 'update-parent' });
    return;
  }
  const blocked = serverProblem(run.detected);
  if (blocked) {
    reply(ctx, { kind: 'plan-invalid', error: blocked });
    emit(ctx, { type: 'update-parent' });
    return;
  }
  try {
    const plan = buildPlan(
      {
        server: run.server,
        product: draft.product,
        edition: draft.edition,
        collocatedStores: draft.collocatedStores,
        ...(draft.sqlServerFqdn ? { sqlServerFqdn: draft.sqlServerFqdn } : {}),
        packagePath: draft.packagePath,
        packageSha256: run.detected?.package?.sha256 ?? '',
        runId: run.id,
      },
      ctx.policy.planOptions,
    );
    run.plan = plan;
    run.confirmed = plan.facts;
    run.confirmedBy = draft.by;
    run.mismatches = draft.mismatches;
    run.steps = plan.steps.map(() => emptyStep());
    run.current = 0;
    run.versionBefore = run.detected?.version ?? null;
    run.status = 'awaiting_approval';
    run.approvalExpiresAt = ctx.now + ctx.policy.approvalTtlMs;
    emit(ctx, { type: 'set-timer', name: 'approval', at: run.approvalExpiresAt });
    audit(ctx, 'plan', draft.by, { planHash: plan.hash, variant: plan.variant, mismatches: draft.mismatches });
    reply(ctx, { kind: 'plan-ready' });
  } catch (err) {
    reply(ctx, { kind: 'plan-invalid', error: coerceError(err).message });
  }
  emit(ctx, { type: 'update-parent' });
}
