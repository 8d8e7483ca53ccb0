import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/signing.js';
import { CspatchError, ErrorCode } from '../core/errors.js';
import { getStep, type StepId } from './catalog.js';
import { PRODUCTS } from './products.js';
import { confirmedFactsSchema, describeIssues, type ConfirmedFacts, type ConfirmedFactsInput } from './schemas.js';
import type { StepKind } from './step-definition.js';
import type { DatabaseVariant } from './steps/database.js';

export interface PlanStep {
  /** 1-based position in the plan */
  readonly index: number;
  readonly stepId: StepId;
  /** Microsoft's step number, or null for a step cspatch adds */
  readonly docStep: number | null;
  readonly kind: StepKind;
  readonly params: Record<string, unknown>;
  /** the command as an admin reads it in the plan */
  readonly command: string;
}

export interface Plan {
  readonly facts: ConfirmedFacts;
  readonly variant: DatabaseVariant;
  readonly steps: readonly PlanStep[];
  /** SHA-256 over facts, steps and parameters: an approval is bound to it */
  readonly hash: string;
}

export interface PlanOptions {
  /** start services and verify after step 11 (beyond the document); on by default */
  readonly extraSteps: boolean;
  /** refuse to copy the package when the system drive has less free space than this */
  readonly minFreeBytes: number;
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = { extraSteps: true, minFreeBytes: 2 * 1024 ** 3 };

function impossible(message: string, detail: Record<string, unknown> = {}): CspatchError {
  return new CspatchError(ErrorCode.PlanImpossible, message, detail);
}

export function databaseVariant(facts: ConfirmedFacts): DatabaseVariant {
  if (facts.edition === 'standard') return 'standard';
  return facts.collocatedStores ? 'enterprise-collocated' : 'enterprise';
}

function validate(input: ConfirmedFactsInput): ConfirmedFacts {
  const parsed = confirmedFactsSchema.safeParse(input);
  if (!parsed.success) throw new CspatchError(ErrorCode.ParamInvalid, describeIssues(parsed.error));
  const facts = parsed.data;
  if (facts.edition === 'standard' && facts.collocatedStores) {
    throw impossible('a Standard Edition server keeps all its databases locally; collocated stores apply to an Enterprise Edition back end only');
  }
  if (facts.edition === 'standard' && facts.sqlServerFqdn && facts.sqlServerFqdn !== facts.server) {
    throw impossible('a Standard Edition server uses its own local SQL Server; leave the SQL Server FQDN empty');
  }
  if (facts.edition === 'enterprise' && !facts.sqlServerFqdn) {
    throw impossible('an Enterprise Edition back end needs the SQL Server FQDN (the AlwaysOn listener where there is one)');
  }
  const installer = PRODUCTS[facts.product].installer;
  const fileName = facts.packagePath.split('\\').at(-1) ?? '';
  if (fileName.toLowerCase() !== installer.toLowerCase()) {
    throw impossible(`${PRODUCTS[facts.product].label} is updated with ${installer}; the package path names ${fileName}`);
  }
  return facts;
}

/**
 * Turns confirmed facts into the ordered plan: the document's eleven steps with the right
 * database variant, plus the checks and the steps cspatch adds, each labelled as such.
 *
 * @example buildPlan({ server: 'se01.contoso.com', product: 'sfb2019', edition: 'standard', ... })
 */
export function buildPlan(input: ConfirmedFactsInput, options: PlanOptions = DEFAULT_PLAN_OPTIONS): Plan {
  const facts = validate(input);
  const variant = databaseVariant(facts);
  const product = facts.product;
  const sql = facts.edition === 'enterprise' ? { sqlServerFqdn: facts.sqlServerFqdn as string } : {};
  const sequence: Array<[StepId, Record<string, unknown>]> = [
    ['check-admin-role', { product }],
    [
      'check-package',
      { product, runId: facts.runId, packagePath: facts.packagePath, packageSha256: facts.packageSha256, minFreeBytes: options.minFreeBytes },
    ],
    ['check-pending-reboot', { product }],
    ['open-shell', { product }],
    ['stop-services', { product }],
    ['stop-w3svc', { product }],
    ['check-shells', { product }],
    ['install-update', { product, runId: facts.runId, packageSha256: facts.packageSha256 }],
    ['reopen-shell', { product }],
    ['stop-services-again', { product }],
    ['start-w3svc', { product }],
    ['update-databases', { product, variant, ...sql }],
  ];
  if (options.extraSteps) {
    sequence.push(['start-services', { product }], ['verify', { product, edition: facts.edition, ...sql }]);
  }
  const steps = sequence.map(([stepId, rawParams], i): PlanStep => {
    const def = getStep(stepId);
    const params = def.params.parse(rawParams) as Record<string, unknown>;
    return { index: i + 1, stepId, docStep: def.docStep, kind: def.kind, params, command: def.display(params) };
  });
  return { facts, variant, steps, hash: planHash(facts, steps) };
}

export function planHash(facts: ConfirmedFacts, steps: readonly Pick<PlanStep, 'stepId' | 'params'>[]): string {
  const material = canonicalJson({ facts, steps: steps.map((s) => ({ stepId: s.stepId, params: s.params })) });
  return createHash('sha256').update(material).digest('hex');
}
