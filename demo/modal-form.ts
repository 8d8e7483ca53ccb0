import type { types } from '@slack/bolt';
import { renderBlocks } from './render-blocks.js';

/** One field's answer, shaped as Slack puts it in `view.state.values[block_id][action_id]`. */
export interface FieldState {
  type: string;
  selected_option?: { value?: string } | null;
  selected_options?: Array<{ value?: string }>;
  value?: string | null;
}

export type FormValues = Record<string, Record<string, FieldState>>;

export interface FormIo {
  /** the next answer, or null when input ended */
  readonly ask: (prompt: string) => Promise<string | null>;
  readonly print: (text: string) => void;
}

/** Typed instead of an answer: closes the form without submitting, like the modal's Cancel. */
export const CANCEL = '/cancel';

type Option = types.PlainTextOption;
type Asked = { readonly state: FieldState } | 'cancel';

function optionsOf(el: types.InputBlock['element']): Option[] {
  return 'options' in el && Array.isArray(el.options) ? (el.options as Option[]) : [];
}

async function askChoice(io: FormIo, label: string, type: string, options: Option[], current: Option | undefined): Promise<Asked> {
  io.print(`    ${options.map((o, i) => `${i + 1}) ${o.text.text}`).join('   ')}`);
  for (;;) {
    const answer = await io.ask(`  ${label} [${current?.text.text ?? 'none'}] (1-${options.length}, Enter keeps): `);
    if (answer === null || answer.trim() === CANCEL) return 'cancel';
    const a = answer.trim();
    if (a === '') return { state: { type, selected_option: current ? { value: current.value } : null } };
    const picked = options[Number(a) - 1];
    if (/^\d+$/.test(a) && picked) return { state: { type, selected_option: { value: picked.value } } };
    io.print(`    Answer with a number from 1 to ${options.length}.`);
  }
}

async function askCheckboxes(io: FormIo, label: string, options: Option[], current: Option[]): Promise<Asked> {
  const on = (o: Option) => current.some((c) => c.value === o.value);
  if (options.length === 1) {
    const only = options[0]!;
    for (;;) {
      const answer = await io.ask(`  ${label}: "${only.text.text}" [${on(only) ? 'yes' : 'no'}] (y/n, Enter keeps): `);
      if (answer === null || answer.trim() === CANCEL) return 'cancel';
      const a = answer.trim().toLowerCase();
      if (a === '') return { state: { type: 'checkboxes', selected_options: current.map((c) => ({ value: c.value })) } };
      if (/^(y|yes|n|no)$/.test(a)) return { state: { type: 'checkboxes', selected_options: a.startsWith('y') ? [{ value: only.value }] : [] } };
      io.print('    Answer y or n.');
    }
  }
  io.print(`    ${options.map((o, i) => `${i + 1}) ${o.text.text}`).join('   ')}`);
  for (;;) {
    const ticked = options.map((o, i) => (on(o) ? String(i + 1) : '')).filter(Boolean).join(',') || 'none';
    const answer = await io.ask(`  ${label} [${ticked}] (numbers separated by commas, - for none, Enter keeps): `);
    if (answer === null || answer.trim() === CANCEL) return 'cancel';
    const a = answer.trim();
    if (a === '') return { state: { type: 'checkboxes', selected_options: current.map((c) => ({ value: c.value })) } };
    if (a === '-') return { state: { type: 'checkboxes', selected_options: [] } };
    const picked = a.split(',').map((s) => options[Number(s.trim()) - 1]);
    if (picked.every((o): o is Option => o !== undefined)) return { state: { type: 'checkboxes', selected_options: picked.map((o) => ({ value: o.value })) } };
    io.print(`    Answer with numbers from 1 to ${options.length}.`);
  }
}

async function askText(io: FormIo, label: string, current: string | null, optional: boolean): Promise<Asked> {
  const answer = await io.ask(`  ${label} [${current ?? ''}]${optional ? ' (Enter keeps, - clears)' : ' (Enter keeps)'}: `);
  if (answer === null || answer.trim() === CANCEL) return 'cancel';
  const a = answer.trim();
  if (a === '') return { state: { type: 'plain_text_input', value: current } };
  return { state: { type: 'plain_text_input', value: a === '-' ? null : a } };
}

/** What a field shows as its answer: the previous attempt's, else the modal's pre-filled one. */
function currentOf(el: types.InputBlock['element'], previous: FieldState | undefined): { option?: Option; options: Option[]; text: string | null } {
  const options = optionsOf(el);
  const find = (v: string | undefined) => options.find((o) => o.value === v);
  if (previous) {
    const picked = find(previous.selected_option?.value);
    return {
      ...(picked ? { option: picked } : {}),
      options: (previous.selected_options ?? []).map((s) => find(s.value)).filter((o): o is Option => o !== undefined),
      text: previous.value ?? null,
    };
  }
  const initialOption = 'initial_option' in el ? (el.initial_option as Option | undefined) : undefined;
  const initialOptions = 'initial_options' in el ? ((el.initial_options as Option[] | undefined) ?? []) : [];
  const initialValue = 'initial_value' in el ? ((el.initial_value as string | undefined) ?? null) : null;
  return { ...(initialOption ? { option: initialOption } : {}), options: initialOptions, text: initialValue };
}

/**
 * Asks a modal's input blocks one by one, each showing its pre-filled (or previous) answer,
 * which Enter keeps; field errors from the last attempt are shown beside their question.
 * Null when the person cancels or input ends.
 */
export async function fillForm(view: types.ModalView, io: FormIo, previous: FormValues = {}, errors: Readonly<Record<string, string>> = {}): Promise<FormValues | null> {
  const intro = renderBlocks(view.blocks.filter((b) => b.type !== 'input') as types.KnownBlock[]).lines;
  io.print(`\n[form] ${view.title.text}  (Enter keeps an answer, ${CANCEL} closes the form)\n${intro.map((l) => `  ${l}`).join('\n')}`);
  const values: FormValues = {};
  for (const block of view.blocks) {
    if (block.type !== 'input') continue;
    const input = block as types.InputBlock;
    const id = input.block_id ?? '';
    const el = input.element;
    const actionId = 'action_id' in el && typeof el.action_id === 'string' ? el.action_id : id;
    const label = `${input.label.text}${input.optional ? ' (optional)' : ''}`;
    if (errors[id]) io.print(`  ✗ ${errors[id]}`);
    const current = currentOf(el, previous[id]?.[actionId]);
    let asked: Asked;
    if (el.type === 'static_select' || el.type === 'radio_buttons') asked = await askChoice(io, label, el.type, optionsOf(el), current.option);
    else if (el.type === 'checkboxes') asked = await askCheckboxes(io, label, optionsOf(el), current.options);
    else if (el.type === 'plain_text_input') asked = await askText(io, label, current.text, input.optional === true);
    else continue;
    if (asked === 'cancel') return null;
    values[id] = { [actionId]: asked.state };
  }
  return values;
}
