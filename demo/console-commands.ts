import { randomBytes } from 'node:crypto';
import { handleAction } from '../bot/core/handle-action.js';
import { handleCommand } from '../bot/core/handle-command.js';
import { runModal } from './confirm-form.js';
import { DEMO_CHANNEL, type DemoSession } from './demo-session.js';
import type { LineReader } from './line-reader.js';
import { DEMO_ADMINS, DEMO_NON_ADMIN, isDemoAdmin, userIdOf } from './users.js';

/** What the console knows between lines: who is typing, and where output goes. */
export interface ConsoleState {
  readonly session: DemoSession;
  readonly reader: LineReader;
  user: string;
  /** aborted when the session is ending (Ctrl-C), so a /wait gives up at once */
  readonly signal: AbortSignal;
}

export type LineOutcome = { readonly kind: 'continue' } | { readonly kind: 'quit' } | { readonly kind: 'problem'; readonly message: string };

/** How long /wait waits for the run to come to rest; a stuck demo should say so, not hang. */
const WAIT_TIMEOUT_MS = 180_000;
/** How long the console waits for what a command caused to reach the chat. */
const SETTLE_TIMEOUT_MS = 30_000;

export const CONSOLE_HELP = `Type what you would type in Slack, plus a few console commands:
  /cspatch <command>   the slash command, e.g. /cspatch patch fe01.contoso.com C:\\Updates\\SkypeServerUpdateInstaller.exe
                       (/cspatch help lists its commands)
  <n> or /press <n>    press button n of the latest message that has buttons
  /as <user>           continue as another user: ${DEMO_ADMINS.join(' and ')} are admins, ${DEMO_NON_ADMIN} is not
  /wait                wait until the run needs a person or has ended
  /help                this text
  /quit                end the demo`;

const CONTINUE: LineOutcome = { kind: 'continue' };
let clicks = 0;

function triggerId(): string {
  return `demo.${randomBytes(6).toString('hex')}`;
}

/** Slack-shaped and unique per click, so the bot's duplicate-click guard sees a fresh one. */
function actionTs(): string {
  clicks += 1;
  return `${Math.floor(Date.now() / 1000)}.${String(clicks).padStart(6, '0')}`;
}

function origin(state: ConsoleState, channel: string) {
  return { user: userIdOf(state.user) ?? state.user, channel, triggerId: triggerId() };
}

/** After a command or a click: show a form it opened, then let its messages reach the chat. */
async function afterInteraction(state: ConsoleState): Promise<LineOutcome> {
  const { session, reader } = state;
  for (let view = session.chat.takeModal(); view; view = session.chat.takeModal()) {
    await runModal(session.service.deps, userIdOf(state.user) ?? state.user, view, { ask: (p) => reader.read(p), print: (t) => reader.print(t) });
  }
  if (!(await session.settle(SETTLE_TIMEOUT_MS))) return { kind: 'problem', message: `the bot did not finish answering within ${SETTLE_TIMEOUT_MS / 1000} s` };
  return CONTINUE;
}

async function press(state: ConsoleState, n: number): Promise<LineOutcome> {
  const target = state.session.chat.latestButtons();
  if (!target) return { kind: 'problem', message: 'no message with buttons yet' };
  const button = target.buttons[n - 1];
  if (!button) return { kind: 'problem', message: `the latest message with buttons has ${target.buttons.length === 1 ? 'button 1 only' : `buttons 1 to ${target.buttons.length}`}` };
  state.reader.print(`  (${state.user} pressed [${n}] ${button.label})`);
  await handleAction(state.session.service.deps, origin(state, target.channel), { actionId: button.actionId, value: button.value, actionTs: actionTs() });
  return afterInteraction(state);
}

/**
 * One line typed at the console. Bot commands go through the same handlers the Slack edge
 * calls (handleCommand, handleAction); the rest only changes the console.
 */
export async function runLine(state: ConsoleState, raw: string): Promise<LineOutcome> {
  const line = raw.trim();
  if (line === '') return CONTINUE;
  const [word = '', ...rest] = line.split(/\s+/);
  const arg = rest.join(' ');
  if (/^\d+$/.test(line)) return press(state, Number(line));
  switch (word.toLowerCase()) {
    case '/cspatch':
      await handleCommand(state.session.service.deps, origin(state, DEMO_CHANNEL.id), line.slice(word.length).trim());
      return afterInteraction(state);
    case '/press':
      if (!/^\d+$/.test(arg)) return { kind: 'problem', message: 'usage: /press <button number>' };
      return press(state, Number(arg));
    case '/as': {
      const id = userIdOf(arg);
      if (!id) return { kind: 'problem', message: `usage: /as <user>, e.g. /as bob (${DEMO_ADMINS.join(' and ')} are admins, ${DEMO_NON_ADMIN} is not)` };
      state.user = arg.toLowerCase();
      state.reader.print(`  (you are now ${state.user}, Slack user ${id}, ${isDemoAdmin(state.user) ? 'a cspatch admin' : 'not a cspatch admin'})`);
      return CONTINUE;
    }
    case '/wait':
      if (await state.session.waitIdle(WAIT_TIMEOUT_MS, state.signal)) return CONTINUE;
      return state.signal.aborted ? { kind: 'quit' } : { kind: 'problem', message: `the run did not come to rest within ${WAIT_TIMEOUT_MS / 1000} s` };
    case '/help':
      state.reader.print(CONSOLE_HELP);
      return CONTINUE;
    case '/quit':
    case '/exit':
      return { kind: 'quit' };
    default:
      return { kind: 'problem', message: `"${word}" is not something the console understands; type /help` };
  }
}
