import { z } from 'zod';
import type { DecisionAction } from '../lifecycle/run.js';
import { checkConfirmation } from '../lifecycle/confirmation.js';
import type { ConfirmInput } from '../lifecycle/events.js';
import { ACTION } from '../views/blocks.js';
import { confirmModal } from '../views/confirm-modal.js';
import { outputBlockText } from '../views/sanitize.js';
import { section } from '../views/blocks.js';
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

/** A button click. Anything malformed or stale gets a short private answer, never an effect. */
export async function handleAction(deps: BotDeps, origin: Origin, input: ActionInput): Promise<void> {
  if (!(await deps.stores.dedupe.firstTime(`click:${origin.user}:${input.actionTs}:${input.actionId}`, 3600_000))) return;
  let raw: unknown;
  try {
    raw = JSON.parse(input.value);
  } catch {
    raw = null;
  }
  const parsed = valueSchema.safeParse(raw);
  if (!parsed.success) {
    deps.logger.warn({ actionId: input.actionId, user: origin.user }, 'button value malformed');
    return replyTo(deps, origin, 'ephemeral.stale_button');
  }
  const v = parsed.data;
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
    return replyTo(deps, origin, 'ephemeral.stale_button');
  }
  if (applied === null && !(await runExists())) await replyTo(deps, origin, 'ephemeral.run_not_found', { runId: v.r });
}

async function openConfirm(deps: BotDeps, origin: Origin, runId: string, isAdmin: boolean): Promise<void> {
  if (!isAdmin) return replyTo(deps, origin, 'ephemeral.not_admin');
  const run = await deps.engine.get(runId);
  if (!run) return replyTo(deps, origin, 'ephemeral.run_not_found', { runId });
  if (run.status !== 'confirming') return replyTo(deps, origin, 'ephemeral.not_confirming', { status: run.status });
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
  const blocks = chunks.slice(-20).map((c) => section(outputBlockText(c)));
  await sendBlocks(deps, origin, blocks, `${lines.length} lines`);
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
): Promise<{ readonly errors: Record<string, string> } | { readonly apply: () => Promise<void> }> {
  const run = await deps.engine.get(runId);
  const lang = await deps.languages.forUser(user, run?.channel ?? '');
  const t = deps.translator.forLang(lang);
  if (!run) return { errors: { package: t('ephemeral.run_not_found', { runId }) } };
  const check = checkConfirmation(run.detected, input);
  if (!check.ok) {
    const errors: Record<string, string> = {};
    for (const [field, key] of Object.entries(check.errors)) {
      errors[field] = field === 'ack' ? t('confirm.error.acknowledge', { fields: mismatchFields(run.detected, input).join(', ') }) : t(`confirm.error.${key}`);
    }
    return { errors };
  }
  return {
    apply: async () => {
      const actor = { id: user, isAdmin: await deps.access.isAdmin(user) };
      await deps.engine.dispatch(runId, { type: 'confirm', actor, input });
    },
  };
}

function mismatchFields(detected: Parameters<typeof checkConfirmation>[0], input: ConfirmInput): string[] {
  const check = checkConfirmation(detected, { ...input, acknowledgeDifferences: true });
  return check.ok ? check.draft.mismatches : [];
}
