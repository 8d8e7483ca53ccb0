import type { BotConfig } from '../../core/config.js';
import type { Policy } from '../lifecycle/policy.js';

export function policyFromConfig(config: BotConfig): Policy {
  return {
    approvalTtlMs: config.CSPATCH_APPROVAL_TTL,
    detectTimeoutMs: config.CSPATCH_DETECT_TIMEOUT,
    runnerLostAfterMs: config.CSPATCH_RUNNER_LOST_AFTER,
    rebootGraceMs: 15 * 60_000,
    resiliencyWarnMs: config.CSPATCH_RESILIENCY_WARN,
    resiliencyLimitMs: config.CSPATCH_RESILIENCY_LIMIT,
    planOptions: { extraSteps: config.CSPATCH_EXTRA_STEPS, minFreeBytes: Math.round(config.CSPATCH_MIN_FREE_GB * 1024 ** 3) },
  };
}
