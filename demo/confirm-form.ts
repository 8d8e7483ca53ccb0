import type { types } from '@slack/bolt';
import type { BotDeps } from '../bot/core/bot-deps.js';
import { checkConfirmSubmit } from '../bot/core/handle-action.js';
import { CONFIRM_CALLBACK } from '../bot/views/blocks.js';
import { readConfirmation } from '../bot/views/confirm-modal.js';
import { fillForm, type FormIo, type FormValues } from './modal-form.js';

/**
 * A modal the bot opened, asked in the console and submitted the way the Slack edge submits it
 * (bot/slack/slack-app.ts): field errors go back into the form, a valid answer is applied.
 */
export async function runModal(deps: BotDeps, user: string, view: types.ModalView, io: FormIo): Promise<void> {
  if (view.callback_id !== CONFIRM_CALLBACK) {
    io.print(`  (the demo cannot show the form "${view.title.text}")`);
    return;
  }
  let values: FormValues = {};
  let errors: Record<string, string> = {};
  for (;;) {
    const filled = await fillForm(view, io, values, errors);
    if (!filled) {
      io.print('  (form closed without submitting)');
      return;
    }
    values = filled;
    const result = await checkConfirmSubmit(deps, user, view.private_metadata ?? '', readConfirmation(values));
    if ('apply' in result) {
      io.print(`  (form submitted: ${view.submit?.text ?? 'submit'})`);
      await result.apply();
      return;
    }
    errors = result.errors;
    io.print(`  The form has ${Object.keys(errors).length === 1 ? 'a problem' : 'problems'}; answer again (Enter keeps your answer).`);
  }
}
