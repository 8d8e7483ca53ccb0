/**
 * The console chat: Block Kit from the bot's own view helpers rendered as a terminal shows it,
 * numbered buttons, thread replies indented, edits shown only when the text changed.
 */
import { describe, expect, it } from '@jest/globals';
import { ACTION, actions, button, context, header, section } from '../../bot/views/blocks.js';
import { outputBlockText } from '../../bot/views/sanitize.js';
import { ConsoleChat } from '../../demo/console-chat.js';
import { mrkdwnToText } from '../../demo/mrkdwn-text.js';
import { renderBlocks } from '../../demo/render-blocks.js';

function consoleChat(): { chat: ConsoleChat; printed: string[] } {
  const printed: string[] = [];
  const chat = new ConsoleChat({ print: (t) => printed.push(t), channelName: (id) => `#${id.toLowerCase()}` });
  return { chat, printed };
}

describe('renderBlocks', () => {
  it('turns a message into lines and numbers its buttons in display order', () => {
    const r = renderBlocks([
      header('Patch fe01.contoso.com'),
      section('*Waiting* for _a second admin_ to approve'),
      actions('approval:r1', [button('Approve', ACTION.approve, { r: 'run000001', h: 'a'.repeat(64) }, 'primary'), button('Reject', ACTION.reject, { r: 'run000001', h: 'a'.repeat(64) }, 'danger')]),
      context('Requested by <@UALICE>', ':stopwatch: Back end down for 3 min'),
    ]);
    expect(r.lines).toEqual(['## Patch fe01.contoso.com', 'Waiting for a second admin to approve', '[1] Approve  [2] Reject', 'Requested by @alice  ·  ⏱ Back end down for 3 min']);
    expect(r.buttons.map((b) => [b.label, b.actionId])).toEqual([
      ['Approve', ACTION.approve],
      ['Reject', ACTION.reject],
    ]);
    expect(JSON.parse(r.buttons[0]?.value ?? '{}')).toEqual({ r: 'run000001', h: 'a'.repeat(64) });
  });

  it('shows server output as indented lines, unescaped and untouched by mrkdwn', () => {
    const r = renderBlocks([section(outputBlockText(['Stopping *RTCSRV*...', 'a <b> & c']))]);
    expect(r.lines).toEqual(['│ Stopping *RTCSRV*...', '│ a <b> & c']);
  });
});

describe('mrkdwnToText', () => {
  it('keeps code spans verbatim and resolves mentions, links and known emoji', () => {
    expect(mrkdwnToText(':arrow_forward: Step 1/14 started: `$_.Status -ne *Stopped*`')).toBe('▶ Step 1/14 started: `$_.Status -ne *Stopped*`');
    expect(mrkdwnToText('<@UBOB> approved; see <https://example.com/kb|KB4470124>')).toBe('@bob approved; see KB4470124 (https://example.com/kb)');
    expect(mrkdwnToText('Approval expires <!date^1700000000^{date_short_pretty} {time}|2023-11-14T22:13:20.000Z>')).toMatch(/^Approval expires \d{2}:\d{2}:\d{2}$/);
  });
});

describe('ConsoleChat', () => {
  it('indents thread replies, marks ephemeral messages and remembers the latest buttons', async () => {
    const { chat, printed } = consoleChat();
    const { ts } = await chat.post('CPATCHING', [header('Patch fe01.contoso.com'), section('Asking the runner')], 'Patch');
    await chat.post('CPATCHING', [section('Step 1 done'), actions('o', [button('Full output', ACTION.output, { r: 'run000001', j: 'job1' })])], 'Step', ts);
    await chat.ephemeral('CPATCHING', 'UALICE', [section('You requested this patch')], 'x', ts);
    expect(printed).toEqual([
      '\ncspatch in #cpatching:\n  ## Patch fe01.contoso.com\n  Asking the runner',
      '    ↳ Step 1 done\n      [1] Full output',
      '    ↳ (only alice sees this) You requested this patch',
    ]);
    expect(chat.latestButtons()?.buttons.map((b) => b.label)).toEqual(['Full output']);
  });

  it('shows an edited parent only when its text changed, and then only the new lines and its buttons', async () => {
    const { chat, printed } = consoleChat();
    const { ts } = await chat.post('CPATCHING', [header('Patch fe01.contoso.com'), section('Detecting'), context('Requested by <@UALICE>')], 'Patch');
    const confirming = [header('Patch fe01.contoso.com'), section('Waiting for an admin'), context('Requested by <@UALICE>'), actions('c', [button('Review and confirm facts', ACTION.confirmOpen, { r: 'run000001' })])];
    await chat.update('CPATCHING', ts, confirming, 'Patch');
    await chat.update('CPATCHING', ts, confirming, 'Patch');
    expect(printed.slice(1)).toEqual(['\ncspatch updated “Patch fe01.contoso.com”:\n  Waiting for an admin\n  [1] Review and confirm facts']);
  });
});
