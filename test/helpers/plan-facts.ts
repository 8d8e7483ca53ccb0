/**
 * What the runbook tests share: confirmed facts per product and database variant, the plan's
 * expected step order (written out, so a change to the catalog shows up as a failing test), and a
 * way to catch the coded error a call must throw.
 */
import { PRODUCTS, type ProductId } from '../../commands/products.js';
import type { ConfirmedFactsInput } from '../../commands/schemas.js';
import { CspatchError } from '../../core/errors.js';

export type Variant = 'enterprise' | 'enterprise-collocated' | 'standard';
export const VARIANTS: readonly Variant[] = ['enterprise', 'enterprise-collocated', 'standard'];

export function packagePath(product: ProductId): string {
  return `C:\\Updates\\${PRODUCTS[product].installer}`;
}

/** Facts for be01 (Enterprise, SQL on sql01) or se01 (Standard), run id run0001. */
export function factsFor(product: ProductId, variant: Variant, packageSha256: string): ConfirmedFactsInput {
  const common = { product, packagePath: packagePath(product), packageSha256, runId: 'run0001' };
  if (variant === 'standard') return { ...common, server: 'se01.contoso.com', edition: 'standard', collocatedStores: false };
  return {
    ...common,
    server: 'be01.contoso.com',
    edition: 'enterprise',
    collocatedStores: variant === 'enterprise-collocated',
    sqlServerFqdn: 'sql01.contoso.com',
  };
}

/** The full plan, in the order the procedure requires. */
export const PLAN_STEP_IDS = [
  'check-admin-role',
  'check-package',
  'check-pending-reboot',
  'open-shell',
  'stop-services',
  'stop-w3svc',
  'check-shells',
  'install-update',
  'reopen-shell',
  'stop-services-again',
  'start-w3svc',
  'update-databases',
  'start-services',
  'verify',
] as const;

/** Throws unless fn throws a CspatchError; returns it for precise assertions. */
export function caught(fn: () => unknown): CspatchError {
  try {
    fn();
  } catch (err) {
    if (err instanceof CspatchError) return err;
    throw new Error(`expected a CspatchError, got ${String(err)}`);
  }
  throw new Error('expected a CspatchError, nothing was thrown');
}
