import type { types } from '@slack/bolt';
import { mrkdwnToText, unescapeEntities } from './mrkdwn-text.js';

/** A button as the console offers it: pressed by its number, sent back as Slack would send it. */
export interface ConsoleButton {
  readonly label: string;
  readonly actionId: string;
  readonly value: string;
}

export interface RenderedMessage {
  /** the message as text lines, buttons shown as `[1] Approve  [2] Reject` */
  readonly lines: string[];
  readonly buttons: ConsoleButton[];
}

type TextObject = types.PlainTextElement | types.MrkdwnElement;

function plain(t: TextObject | undefined): string {
  if (!t) return '';
  return t.type === 'mrkdwn' ? mrkdwnToText(t.text) : t.text;
}

/** Section text: code blocks become indented `│` lines, the rest is mrkdwn. */
function sectionLines(text: string): string[] {
  const out: string[] = [];
  text.split(/```/).forEach((part, i) => {
    if (i % 2 === 1) {
      for (const line of unescapeEntities(part.replace(/^\n|\n$/g, '')).split('\n')) out.push(`│ ${line}`);
    } else if (part.trim()) {
      out.push(...mrkdwnToText(part.replace(/^\n|\n$/g, '')).split('\n'));
    }
  });
  return out;
}

/**
 * Block Kit → what a terminal can show, numbering buttons across the whole message in display
 * order. Input blocks are left out: the console asks for them one at a time (modal-form.ts).
 *
 * @example renderBlocks(parentBlocks(t, run, now)).lines[0] // "## Patch fe01.contoso.com"
 */
export function renderBlocks(blocks: readonly types.KnownBlock[]): RenderedMessage {
  const lines: string[] = [];
  const buttons: ConsoleButton[] = [];
  const addButtons = (elements: readonly unknown[]) => {
    const labels: string[] = [];
    for (const el of elements as Array<{ type?: string }>) {
      if (el.type !== 'button') continue;
      const b = el as types.Button;
      buttons.push({ label: b.text.text, actionId: b.action_id ?? '', value: b.value ?? '' });
      labels.push(`[${buttons.length}] ${b.text.text}`);
    }
    if (labels.length) lines.push(labels.join('  '));
  };
  for (const block of blocks) {
    switch (block.type) {
      case 'header':
        lines.push(`## ${block.text.text}`);
        break;
      case 'section':
        if (block.text) lines.push(...(block.text.type === 'mrkdwn' ? sectionLines(block.text.text) : block.text.text.split('\n')));
        for (const f of block.fields ?? []) lines.push(plain(f));
        if (block.accessory) addButtons([block.accessory]);
        break;
      case 'context':
        lines.push(block.elements.map((e) => ('text' in e ? mrkdwnToText(e.text) : '')).filter(Boolean).join('  ·  '));
        break;
      case 'divider':
        lines.push('────────');
        break;
      case 'actions':
        addButtons(block.elements);
        break;
      default:
        break;
    }
  }
  return { lines, buttons };
}
