import { renderScript } from '../commands/render-script.js';
import { getStep } from '../commands/catalog.js';
import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { RunnerConfig } from '../core/config.js';
import { spawnStep, type RunningStep } from './spawn-step.js';
import { createStepOutput } from './step-output.js';

export interface DetectOptions {
  readonly config: Pick<RunnerConfig, 'CSPATCH_POWERSHELL' | 'stepTimeoutsMs'>;
  readonly logger: Logger;
  /** lets a stop signal kill the probe (it only reads, so nothing is lost) */
  readonly track: (step: RunningStep | null) => void;
  /** extra environment for the probe's process (see AgentOptions.stepEnv) */
  readonly stepEnv?: Readonly<Record<string, string>>;
}

/** The `facts` object of a detect-facts run, or null when it printed nothing usable. */
export function factsOf(data: Record<string, unknown>): Record<string, unknown> | null {
  const facts = data.facts;
  return facts !== null && typeof facts === 'object' && !Array.isArray(facts) ? (facts as Record<string, unknown>) : null;
}

/**
 * Runs the read-only detect-facts step at start, for the heartbeat. Whatever goes wrong ends in
 * null ("unknown"): the human confirming the plan decides, so odd output must never stop the runner.
 */
export async function detectFacts(opts: DetectOptions): Promise<Record<string, unknown> | null> {
  try {
    const output = createStepOutput({
      send: async (_seq, lines) => {
        for (const l of lines) opts.logger.debug({ stream: l.stream, line: l.text }, 'detect-facts output');
      },
      onError: () => undefined,
    });
    const step = spawnStep({
      powershell: opts.config.CSPATCH_POWERSHELL,
      script: renderScript('detect-facts', {}),
      timeoutMs: opts.config.stepTimeoutsMs[getStep('detect-facts').kind],
      output,
      ...(opts.stepEnv ? { env: opts.stepEnv } : {}),
    });
    opts.track(step);
    const outcome = await step.done.finally(() => opts.track(null));
    await output.drain();
    const facts = factsOf(output.data);
    opts.logger.info({ outcome: outcome.outcome, exitCode: outcome.exitCode, facts, tail: output.tail() }, facts ? 'facts detected' : 'fact detection gave nothing usable; reporting unknown');
    return facts;
  } catch (err) {
    opts.logger.warn({ err: coerceError(err).message }, 'fact detection failed; reporting unknown');
    return null;
  }
}
