import { PRODUCTS, type ProductId } from '../../commands/products.js';
import { fqdnSchema, productSchema, editionSchema, windowsPathSchema } from '../../commands/schemas.js';
import type { ConfirmInput } from './events.js';
import type { ConfirmedFactsDraft, DetectedFacts } from './run.js';

export type ConfirmationCheck =
  | { readonly ok: true; readonly draft: Omit<ConfirmedFactsDraft, 'by'> }
  | { readonly ok: false; readonly errors: Readonly<Record<string, string>> };

/** Fields of the confirmation that can differ from what the runner detected. */
export function differences(detected: DetectedFacts | null, d: Omit<ConfirmedFactsDraft, 'by' | 'mismatches'>): string[] {
  if (!detected) return [];
  const out: string[] = [];
  if (detected.product && detected.product !== d.product) out.push('product');
  if (detected.edition && detected.edition !== d.edition) out.push('edition');
  const detectedCollocated = detected.collocated.length > 0;
  if (detected.edition && detectedCollocated !== d.collocatedStores) out.push('collocated');
  if (detected.sqlServerFqdn && d.edition === 'enterprise' && detected.sqlServerFqdn !== d.sqlServerFqdn) out.push('sql');
  return out;
}

/** The package path names the product's own installer (Windows compares names case-insensitively). */
function isInstallerFor(product: ProductId, packagePath: string): boolean {
  return (packagePath.split('\\').at(-1) ?? '').toLowerCase() === PRODUCTS[product].installer.toLowerCase();
}

/**
 * Validates the confirmation form. Used twice: by the modal handler to show field errors before
 * Slack closes the modal, and by `advance`, which must never trust the caller.
 * Error values are i18n keys under `confirm.error.`.
 */
export function checkConfirmation(detected: DetectedFacts | null, input: ConfirmInput): ConfirmationCheck {
  const errors: Record<string, string> = {};
  const product = productSchema.safeParse(input.product);
  const edition = editionSchema.safeParse(input.edition);
  const path = windowsPathSchema.safeParse(input.packagePath);
  if (!product.success) errors.product = 'product';
  if (!edition.success) errors.edition = 'edition';
  if (!path.success) errors.package = 'path';
  // Refused here, in the form, rather than later by buildPlan with a sentence in English only.
  else if (product.success && !isInstallerFor(product.data, path.data)) errors.package = 'installer';
  let sql: string | null = null;
  if (edition.success && edition.data === 'enterprise') {
    const parsed = fqdnSchema.safeParse(input.sqlServerFqdn ?? '');
    if (!parsed.success) errors.sql = 'sql';
    else sql = parsed.data;
  }
  if (edition.success && edition.data === 'standard' && input.collocatedStores) errors.collocated = 'collocated_standard';
  if (!product.success || !edition.success || !path.success || Object.keys(errors).length > 0) return { ok: false, errors };
  const base = {
    product: product.data,
    edition: edition.data,
    collocatedStores: edition.data === 'enterprise' && input.collocatedStores,
    sqlServerFqdn: sql,
    packagePath: path.data,
  };
  const mismatches = differences(detected, base);
  if (mismatches.length > 0 && !input.acknowledgeDifferences) return { ok: false, errors: { ack: 'acknowledge' } };
  return { ok: true, draft: { ...base, mismatches } };
}
