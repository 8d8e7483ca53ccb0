import type { types } from '@slack/bolt';
import type { TFunction } from '../i18n/translator.js';
import type { ConfirmInput } from '../lifecycle/events.js';
import type { Run } from '../lifecycle/run.js';
import { CONFIRM_CALLBACK, context, section } from './blocks.js';
import { detectedSummary } from './parent.js';

export const FIELD = {
  product: 'product',
  edition: 'edition',
  collocated: 'collocated',
  sql: 'sql',
  package: 'package',
  ack: 'ack',
} as const;

function option(text: string, value: string): types.PlainTextOption {
  return { text: { type: 'plain_text', text }, value };
}

/** The confirmation form, pre-filled from what the runner detected. */
export function confirmModal(t: TFunction, run: Run): types.ModalView {
  const d = run.detected;
  const products = (['sfb2019', 'sfb2015', 'lync2013'] as const).map((p) => option(t(`product.${p}`), p));
  const editions = (['enterprise', 'standard'] as const).map((e) => option(t(`edition.${e}`), e));
  const initialProduct = products.find((o) => o.value === d?.product);
  const initialEdition = editions.find((o) => o.value === d?.edition);
  const collocatedOpt = option(t('confirm.collocatedOption'), 'yes');
  const ackOpt = option(t('confirm.ackOption'), 'yes');
  const input = (id: string, label: string, element: types.InputBlock['element'], optional = false): types.InputBlock => ({
    type: 'input',
    block_id: id,
    label: { type: 'plain_text', text: label },
    element,
    optional,
  });
  return {
    type: 'modal',
    callback_id: CONFIRM_CALLBACK,
    private_metadata: run.id,
    title: { type: 'plain_text', text: t('confirm.title').slice(0, 24) },
    submit: { type: 'plain_text', text: t('confirm.submit').slice(0, 24) },
    close: { type: 'plain_text', text: t('confirm.close').slice(0, 24) },
    blocks: [
      section(t('confirm.intro', { server: run.server })),
      context(d ? detectedSummary(t, run) : t('confirm.nothingDetected')),
      input(FIELD.product, t('confirm.product'), {
        type: 'static_select',
        action_id: FIELD.product,
        options: products,
        ...(initialProduct ? { initial_option: initialProduct } : {}),
      }),
      input(FIELD.edition, t('confirm.edition'), {
        type: 'radio_buttons',
        action_id: FIELD.edition,
        options: editions,
        ...(initialEdition ? { initial_option: initialEdition } : {}),
      }),
      input(
        FIELD.collocated,
        t('confirm.collocated'),
        { type: 'checkboxes', action_id: FIELD.collocated, options: [collocatedOpt], ...(d && d.collocated.length > 0 ? { initial_options: [collocatedOpt] } : {}) },
        true,
      ),
      input(
        FIELD.sql,
        t('confirm.sql'),
        { type: 'plain_text_input', action_id: FIELD.sql, max_length: 253, ...(d?.sqlServerFqdn && d.edition === 'enterprise' ? { initial_value: d.sqlServerFqdn } : {}) },
        true,
      ),
      input(FIELD.package, t('confirm.package'), {
        type: 'plain_text_input',
        action_id: FIELD.package,
        max_length: 240,
        ...(run.packagePath ? { initial_value: run.packagePath } : {}),
      }),
      input(FIELD.ack, t('confirm.ack'), { type: 'checkboxes', action_id: FIELD.ack, options: [ackOpt] }, true),
    ],
  };
}

/** view.state.values as Slack sends it; read defensively, since any JSON can arrive here. */
export type StateValues = Readonly<Record<string, unknown>>;

function record(value: unknown): Readonly<Record<string, unknown>> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function optionValues(value: unknown): string[] {
  return Array.isArray(value) ? value.map((o) => record(o).value).filter((v): v is string => typeof v === 'string') : [];
}

/** Reads the submitted form back into the lifecycle's input shape; anything odd reads as empty. */
export function readConfirmation(values: StateValues): ConfirmInput {
  const get = (id: string) => record(record(record(values)[id])[id]);
  return {
    product: text(record(get(FIELD.product).selected_option).value),
    edition: text(record(get(FIELD.edition).selected_option).value),
    collocatedStores: optionValues(get(FIELD.collocated).selected_options).includes('yes'),
    sqlServerFqdn: text(get(FIELD.sql).value) || null,
    packagePath: text(get(FIELD.package).value),
    acknowledgeDifferences: optionValues(get(FIELD.ack).selected_options).includes('yes'),
  };
}
