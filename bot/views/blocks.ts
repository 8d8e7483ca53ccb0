import type { types } from '@slack/bolt';
import { truncate } from './sanitize.js';

export type Block = types.KnownBlock;
export type Button = types.Button;

/** Block Kit's limits, so nothing we post is refused for size. */
export const LIMITS = { sectionText: 3000, contextText: 2000, buttonText: 75, headerText: 150, blocks: 50, value: 2000 } as const;

export function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

export function context(...texts: string[]): Block {
  return { type: 'context', elements: texts.slice(0, 10).map((t) => ({ type: 'mrkdwn' as const, text: truncate(t, LIMITS.contextText) })) };
}

export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, LIMITS.headerText), emoji: true } };
}

export function divider(): Block {
  return { type: 'divider' };
}

export function button(text: string, actionId: string, value: ButtonValue, style?: 'primary' | 'danger'): Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text: truncate(text, LIMITS.buttonText), emoji: true },
    action_id: actionId,
    value: encodeValue(value),
    ...(style ? { style } : {}),
  };
}

export function actions(blockId: string, buttons: Button[]): Block {
  return { type: 'actions', block_id: blockId, elements: buttons };
}

/** What a button carries back: the run, what to do, and what it was shown for. */
export interface ButtonValue {
  readonly r: string;
  readonly a?: string;
  readonly s?: number;
  readonly h?: string;
  readonly j?: string;
}

export function encodeValue(v: ButtonValue): string {
  return JSON.stringify(v);
}

export const ACTION = {
  approve: 'cspatch_approve',
  reject: 'cspatch_reject',
  confirmOpen: 'cspatch_confirm_open',
  decide: 'cspatch_decide',
  output: 'cspatch_output',
} as const;

export const CONFIRM_CALLBACK = 'cspatch_confirm';

/** A plain-text fallback for notifications and screen readers, taken from the blocks. */
export function fallbackText(blocks: Block[]): string {
  for (const b of blocks) {
    if (b.type === 'section' && b.text) return truncate(b.text.text, 300);
    if (b.type === 'header') return truncate(b.text.text, 300);
  }
  return 'cspatch';
}
