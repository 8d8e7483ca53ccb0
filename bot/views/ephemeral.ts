import type { TFunction } from '../i18n/translator.js';
import { mention } from './format.js';

const FIELD_LABEL: Readonly<Record<string, string>> = {
  product: 'confirm.product',
  edition: 'confirm.edition',
  collocated: 'confirm.collocated',
  sql: 'confirm.sql',
  package: 'confirm.package',
  ack: 'confirm.ack',
};

/**
 * The lifecycle speaks in codes (a status, an action, field ids, user ids); a reader sees words
 * in their language and mentions. Translates the well-known parameter names, passes others as-is.
 */
export function ephemeralParams(t: TFunction, params: Readonly<Record<string, string | number>>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(params)) {
    const v = String(value);
    if (key === 'by' || key === 'user') out[key] = mention(v);
    else if (key === 'status') out[key] = t(`status.${v}`, { index: '?', total: '?' });
    else if (key === 'action') out[key] = t(`reply.action.${v}`);
    else if (key === 'fields') out[key] = fieldLabels(t, v.split(','));
    else out[key] = value;
  }
  return out;
}

/** Confirmation field ids (`edition`, `sql`) as the form's labels in the reader's language. */
export function fieldLabels(t: TFunction, fields: readonly string[]): string {
  return fields.map((f) => (FIELD_LABEL[f.trim()] ? t(FIELD_LABEL[f.trim()]!) : f.trim())).join(', ');
}
