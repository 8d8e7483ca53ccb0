import type { types } from '@slack/bolt';
import type { Blocks, Chat } from '../bot/chat/chat.js';
import { renderBlocks, type ConsoleButton } from './render-blocks.js';
import { userNameOf } from './users.js';

export interface ConsoleChatOptions {
  /** prints whole lines (the line reader keeps them clear of the prompt) */
  readonly print: (text: string) => void;
  /** called after every chat call: the demo's waits re-check on it */
  readonly onActivity?: () => void;
  /** #name for a channel id */
  readonly channelName: (id: string) => string;
}

/** The latest message with buttons: what `/press <n>` presses. */
export interface Pressable {
  readonly channel: string;
  readonly buttons: readonly ConsoleButton[];
}

interface Shown {
  readonly channel: string;
  readonly threadTs: string | undefined;
  lines: string[];
  text: string;
}

const REPLY = '    ';

function indent(lines: readonly string[], first: string, rest: string): string {
  return lines.map((l, i) => `${i === 0 ? first : rest}${l}`).join('\n');
}

/** Lines of `next` not in `prev` (as a multiset), in order: what a reader has not seen yet. */
function newLines(prev: readonly string[], next: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const l of prev) left.set(l, (left.get(l) ?? 0) + 1);
  return next.filter((l) => {
    const n = left.get(l) ?? 0;
    if (n > 0) left.set(l, n - 1);
    return n === 0;
  });
}

/**
 * A Chat for the terminal, in the spirit of Hubot's shell adapter: the bot's own Block Kit,
 * rendered as text. Thread replies are indented under their parent; an edited parent is shown
 * again only when its text changed, and then only its new lines; ephemeral messages say who
 * alone sees them. A modal is kept for the console to ask as a form (modal-form.ts).
 */
export class ConsoleChat implements Chat {
  private readonly messages = new Map<string, Shown>();
  private readonly modals: types.ModalView[] = [];
  private pressable: Pressable | null = null;
  private seq = 0;

  constructor(private readonly opts: ConsoleChatOptions) {}

  /** The buttons `/press <n>` refers to, or null before any message had one. */
  latestButtons(): Pressable | null {
    return this.pressable;
  }

  /** The next modal the bot opened, once: the console turns it into questions. */
  takeModal(): types.ModalView | null {
    return this.modals.shift() ?? null;
  }

  private done(): void {
    this.opts.onActivity?.();
  }

  private remember(channel: string, buttons: readonly ConsoleButton[]): void {
    if (buttons.length > 0) this.pressable = { channel, buttons };
  }

  async post(channel: string, blocks: Blocks, _text: string, threadTs?: string): Promise<{ ts: string }> {
    this.seq += 1;
    // Slack-shaped: seconds.microseconds, unique and increasing.
    const ts = `${1_700_000_000 + this.seq}.000100`;
    const { lines, buttons } = renderBlocks(blocks);
    this.messages.set(ts, { channel, threadTs, lines, text: lines.join('\n') });
    this.remember(channel, buttons);
    if (threadTs) this.opts.print(indent(lines, `${REPLY}↳ `, `${REPLY}  `));
    else this.opts.print(`\ncspatch in ${this.opts.channelName(channel)}:\n${indent(lines, '  ', '  ')}`);
    this.done();
    return { ts };
  }

  async update(channel: string, ts: string, blocks: Blocks, _text: string): Promise<void> {
    const { lines, buttons } = renderBlocks(blocks);
    const shown = this.messages.get(ts);
    const text = lines.join('\n');
    this.remember(channel, buttons);
    if (!shown || shown.text !== text) {
      const fresh = shown ? newLines(shown.lines, lines) : lines;
      const title = (lines.find((l) => l.startsWith('## ')) ?? '').slice(3);
      // The buttons line always comes along, so the numbers to press are in view.
      const buttonLine = buttons.length > 0 ? lines.find((l) => l.startsWith('[1] ')) : undefined;
      if (buttonLine && !fresh.includes(buttonLine)) fresh.push(buttonLine);
      const body = fresh.length > 0 ? fresh : ['(lines removed)'];
      this.opts.print(`\ncspatch updated “${title || 'its message'}”:\n${indent(body, '  ', '  ')}`);
      this.messages.set(ts, { channel, threadTs: shown?.threadTs, lines, text });
    }
    this.done();
  }

  async ephemeral(channel: string, user: string, blocks: Blocks, _text: string, threadTs?: string): Promise<void> {
    const { lines, buttons } = renderBlocks(blocks);
    this.remember(channel, buttons);
    const who = `(only ${userNameOf(user)} sees this) `;
    if (threadTs) this.opts.print(indent(lines, `${REPLY}↳ ${who}`, `${REPLY}  `));
    else this.opts.print(indent(lines, `  ${who}`, '  '));
    this.done();
  }

  async openModal(_triggerId: string, view: types.ModalView): Promise<void> {
    this.modals.push(view);
    this.done();
  }

  async userLocale(): Promise<string | null> {
    // No Slack profile here: everyone reads the channel's language (--lang).
    return null;
  }

  async groupMembers(): Promise<string[]> {
    return [];
  }
}
