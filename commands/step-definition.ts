import type { z } from 'zod';

/** What a step does to the server; decides timeouts and who must agree to retry or skip it. */
export type StepKind = 'probe' | 'check' | 'shell' | 'service' | 'install' | 'reboot' | 'database' | 'verify';

/** Steps whose retry or skip changes what gets installed need a second admin. */
export const TWO_PERSON_KINDS: readonly StepKind[] = ['install', 'reboot', 'database'];

/** Default per-kind timeouts (seconds); the runner takes overrides from CSPATCH_STEP_TIMEOUTS. */
export const DEFAULT_TIMEOUTS_S: Readonly<Record<StepKind, number>> = {
  probe: 300,
  check: 300,
  shell: 300,
  service: 1800,
  install: 7200,
  reboot: 900,
  database: 5400,
  verify: 900,
};

export interface StepDefinition<P extends z.ZodType = z.ZodType> {
  readonly id: string;
  /** the number in Microsoft's procedure, or null when cspatch adds the step */
  readonly docStep: number | null;
  readonly kind: StepKind;
  readonly params: P;
  /** false for steps that must work where the Cs module is missing (detection, net start/stop) */
  readonly needsModule: boolean;
  /** the command exactly as an admin would type it, shown in the plan */
  display(params: z.infer<P>): string;
  /** PowerShell lines; every value is inserted through psQuote, never concatenated raw */
  body(params: z.infer<P>): string[];
}

/** Keeps each step's params type tied to its schema at the definition site. */
export function defineStep<P extends z.ZodType>(def: StepDefinition<P>): StepDefinition<P> {
  return def;
}
