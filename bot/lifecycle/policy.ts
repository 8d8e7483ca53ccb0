import type { PlanOptions } from '../../commands/build-plan.js';

/** The knobs `advance` needs, taken from config once. */
export interface Policy {
  readonly approvalTtlMs: number;
  readonly detectTimeoutMs: number;
  readonly runnerLostAfterMs: number;
  /** a rebooting server is silent for minutes; the runner is only "lost" after this long */
  readonly rebootGraceMs: number;
  readonly resiliencyWarnMs: number;
  readonly resiliencyLimitMs: number;
  readonly planOptions: PlanOptions;
}
