import { DATA_PREFIX } from '../commands/render-script.js';
import { PRODUCTS } from '../commands/products.js';
import type { Scenario } from './scenario.js';
import type { SimLogEntry } from './sim-log.js';
import { importedModule } from './script-values.js';

export interface SimLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

/** What one simulated step prints and how it exits. */
export interface Answer {
  readonly lines: readonly SimLine[];
  readonly exitCode: number;
}

export interface SimContext {
  readonly scenario: Scenario;
  readonly script: string;
  readonly stepId: string;
  /** 1 for the first invocation of this step in the sim log, 2 for the next… */
  readonly attempt: number;
  readonly pid: number;
  /** every invocation logged so far, this one included */
  readonly log: readonly SimLogEntry[];
}

export type Responder = (ctx: SimContext) => Answer;

export const out = (text: string): SimLine => ({ stream: 'stdout', text });
export const err = (text: string): SimLine => ({ stream: 'stderr', text });
/** A data line, as Write-CspatchData prints it. */
export const data = (value: Record<string, unknown>): SimLine => out(`${DATA_PREFIX}${JSON.stringify(value)}`);

/** A failure the way the rendered scripts report one: a line on stderr and a distinct exit code. */
export function failWith(lines: readonly SimLine[], message: string, exitCode: number): Answer {
  return { lines: [...lines, err(message)], exitCode };
}

/**
 * Import-Module as the server would answer it: only the product's own module exists, and a
 * dedicated SQL back end has none. Null when the import works (or the step needs no module).
 */
export function moduleProblem(ctx: SimContext): Answer | null {
  const wanted = importedModule(ctx.script);
  if (wanted === undefined) return null;
  const present = ctx.scenario.csComponents ? PRODUCTS[ctx.scenario.product].module : null;
  if (wanted === present) return null;
  return failWith(
    [],
    `Import-Module : The specified module '${wanted}' was not loaded because no valid module file was found in any module directory.`,
    1,
  );
}

/** True when `stepId` has run to success according to the log (before this invocation). */
export function ranSuccessfully(ctx: SimContext, stepId: string): boolean {
  const failure = ctx.scenario.fail[stepId];
  const before = ctx.log.slice(0, -1).filter((e) => e.stepId === stepId).length;
  if (before === 0 || ctx.scenario.hang.includes(stepId)) return false;
  return !failure || (failure.times !== undefined && before > failure.times);
}
