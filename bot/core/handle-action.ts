import { z } from 'zod';
import type { DecisionAction } from '../lifecycle/run.js';
import { checkConfirmation } from '../lifecycle/confirmation.js';
import type { ConfirmInput } from '../lifecycle/events.js';
import { ACTION, context, section } from '../views/blocks.js';
import { confirmModal } from '../views/confirm-modal.js';
import { fieldLabels } from '../views/ephemeral.js';
import { outputBlockText } from '../views/sanitize.js';
import type { BotDeps, Origin } from './bot-deps.js';
import { replyTo, sendBlocks } from './reply-to.js';

const valueSchema = z
  .object({
    r: z.string().regex(/^[a-z0-9]{6,32}$/),
    a: z.enum(['retry', 'skip', 'abort', 'restore', 'wait', 'proceed', 'reboot']).optional(),
    s: z.number().int().min(0).max(100).optional(),
    h: z.string().regex(/^[0-9a-f]{64}$/).optional(),
    j: z.string().max(80).optional(),
  })
  .strict();

export interface ActionInput {
  readonly actionId: string;
  readonly value: string;
  /** unique per click; a redelivered click carries the same one */
  readonly actionTs: string;
}

/** A button's value as the bot wrote it, or null for anything else. */
function parseValue(value: string): z.infer<typeof valueSchema> | null {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    return null;
  }
  const parsed = valueSchema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}

/**
 * A button click. Every click is audited (a replayed one as a refusal); anything malformed, stale
 * or from a channel cspatch is not enabled in gets a short private answer, never an effect.
 */
export async function handleAction(deps: BotDeps, origin: Origin, input: ActionInput): Promise<void> {
  const v = parseValue(input.value);
  const run = v ? await deps.engine.get(v.r) : null;
  const record = (action: string, detail: Record<string, unknown> = {}) =>
    deps.stores.audit.append({
      at: deps.now(),
      actor: origin.user,
      action,
      runId: v?.r ?? null,
      planHash: run?.plan?.hash ?? null,
      detail: { actionId: input.actionId.slice(0, 80), value: input.value.slice(0, 300), channel: origin.channel, ...detail },
    });
  if (!(await deps.stores.dedupe.firstTime(`click:${origin.user}:${input.actionTs}:${input.actionId}`, 3600_000))) {
    await record('refused', { reason: 'replayed_click' });
    return;
  }
  await record('click');
  if (!deps.access.channelAllowed(origin.channel)) {
    await record('refused', { reason: 'channel_not_allowed' });
    return replyTo(deps, origin, 'ephemeral.channel_not_allowed');
  }
  if (!v) {
    deps.logger.warn({ actionId: input.actionId, user: origin.user }, 'button value malformed');
    await record('refused', { reason: 'malformed_button' });
    return replyTo(deps, origin, 'ephemeral.stale_button');
  }
  const actor = { id: origin.user, isAdmin: await deps.access.isAdmin(origin.user) };
  const runExists = async () => (await deps.engine.get(v.r)) !== null;
  let applied: unknown = null;
  if (input.actionId === ACTION.approve && v.h) applied = await deps.engine.dispatch(v.r, { type: 'approve', actor, planHash: v.h });
  else if (input.actionId === ACTION.reject && v.h) applied = await deps.engine.dispatch(v.r, { type: 'reject', actor, planHash: v.h });
  else if (input.actionId.startsWith(`${ACTION.decide}_`) && v.a && v.s !== undefined && input.actionId === `${ACTION.decide}_${v.a}`) {
    applied = await deps.engine.dispatch(v.r, { type: 'decision', actor, action: v.a as DecisionAction, stepIndex: v.s });
  } else if (input.actionId === ACTION.confirmOpen) {
    return openConfirm(deps, origin, v.r, actor.isAdmin);
  } else if (input.actionId === ACTION.output && v.j) {
    return showOutput(deps, origin, v.r, v.j);
  } else {
    await record('refused', { reason: 'stale_button' });
    return replyTo(deps, origin, 'ephemeral.stale_button');
  }
  if (applied === null && !(await runExists())) {
    await record('refused', { reason: 'run_not_found' });
    await replyTo(deps, origin, 'ephemeral.run_not_found', { runId: v.r });
  }
}

async function openConfirm(deps: BotDeps, origin: Origin, runId: string, isAdmin: boolean): Promise<void> {
  if (!isAdmin) return replyTo(deps, origin, 'ephemeral.not_admin');
  const run = await deps.engine.get(runId);
  if (!run) return replyTo(deps, origin, 'ephemeral.run_not_found', { runId });
  // While the plan awaits approval the facts may be confirmed again (a new plan, a new hash).
  if (run.status !== 'confirming' && run.status !== 'awaiting_approval') return replyTo(deps, origin, 'ephemeral.not_confirming', { status: run.status });
  if (!origin.triggerId) return;
  const lang = await deps.languages.forUser(origin.user, origin.channel);
  await deps.chat.openModal(origin.triggerId, confirmModal(deps.translator.forLang(lang), run));
}

async function showOutput(deps: BotDeps, origin: Origin, runId: string, jobId: string): Promise<void> {
  const lines = await deps.stores.runs.readOutput(runId, jobId);
  if (lines.length === 0) return replyTo(deps, origin, 'ephemeral.output_empty');
  // Ephemeral messages take 50 blocks; keep the most recent lines that fit in 20 sections.
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const line of lines.slice(-2000)) {
    if (size + line.length > 2500 && current.length) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(line.slice(0, 2500));
    size += line.length + 1;
  }
  if (current.length) chunks.push(current);
  const kept = chunks.slice(-20);
  const shown = kept.reduce((n, c) => n + c.length, 0);
  // Say plainly when the reader does not see everything the server printed.
  const lang = await deps.languages.forUser(origin.user, origin.channel);
  const note = deps.translator.forLang(lang)('ephemeral.output_shown', { shown, total: lines.length });
  const blocks = [context(note), ...kept.map((c) => section(outputBlockText(c)))];
  await sendBlocks(deps, origin, blocks, note);
}

/**
 * The confirmation modal's submit, in two parts because Slack needs its answer within three
 * seconds: field errors (translated) to show in the modal, or `apply`, run after the modal closed.
 */
export async function checkConfirmSubmit(
  deps: BotDeps,
  user: string,
  runId: string,
  input: ConfirmInput,
  /** the submission's trigger_id: a redelivered submission carries the same one and is ignored */
  submissionId?: string,
): Promise<{ readonly errors: Record<string, string> } | { readonly apply: () => Promise<void> }> {
  // private_metadata comes back from Slack as sent, but is checked like any other input.
  const run = valueSchema.shape.r.safeParse(runId).success ? await deps.engine.get(runId) : null;
  const lang = await deps.languages.forUser(user, run?.channel ?? '');
  const t = deps.translator.forLang(lang);
  if (!run) return { errors: { package: t('ephemeral.run_not_found', { runId: runId.slice(0, 40) }) } };
  const check = checkConfirmation(run.detected, input);
  if (!check.ok) {
    const errors: Record<string, string> = {};
    for (const [field, key] of Object.entries(check.errors)) {
      errors[field] = field === 'ack' ? t('confirm.error.acknowledge', { fields: fieldLabels(t, mismatchFields(run.detected, input)) }) : t(`confirm.error.${key}`);
    }
    return { errors };
  }
  return {
    apply: async () => {
      if (submissionId && !(await deps.stores.dedupe.firstTime(`submit:${submissionId}`, 3600_000))) {
        await deps.stores.audit.append({ at: deps.now(), actor: user, action: 'refused', runId, planHash: null, detail: { reason: 'replayed_submission' } });
        return;
      }
      const actor = { id: user, isAdmin: await deps.access.isAdmin(user) };
      await deps.engine.dispatch(runId, { type: 'confirm', actor, input });
    },
  };
}

function mismatchFields(detected: Parameters<typeof checkConfirmation>[0], input: ConfirmInput): string[] {
  const check = checkConfirmation(detected, { ...input, acknowledgeDifferences: true });
  return check.ok ? check.draft.mismatches : [];
}
