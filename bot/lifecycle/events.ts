import type { FinishedResult } from '../../core/messages.js';
import type { DecisionAction, DetectedFacts } from './run.js';

/** Who did something, with what the bot knows of them at that moment. */
export interface Actor {
  readonly id: string;
  readonly isAdmin: boolean;
}

export interface ConfirmInput {
  readonly product: string;
  readonly edition: string;
  readonly collocatedStores: boolean;
  readonly sqlServerFqdn: string | null;
  readonly packagePath: string;
  readonly acknowledgeDifferences: boolean;
}

/** Everything that can happen to a run. Slack, the runner and timers all arrive as one of these. */
export type RunEvent =
  | { readonly type: 'detected'; readonly jobId: string; readonly facts: DetectedFacts | null; readonly error: string | null }
  | { readonly type: 'confirm'; readonly actor: Actor; readonly input: ConfirmInput }
  | { readonly type: 'approve'; readonly actor: Actor; readonly planHash: string }
  | { readonly type: 'reject'; readonly actor: Actor; readonly planHash: string }
  | { readonly type: 'step_started'; readonly jobId: string; readonly at: number }
  | { readonly type: 'step_finished'; readonly result: FinishedResult }
  | { readonly type: 'decision'; readonly actor: Actor; readonly action: DecisionAction; readonly stepIndex: number }
  | { readonly type: 'abort'; readonly actor: Actor }
  | { readonly type: 'timer'; readonly name: TimerName }
  | { readonly type: 'watchdog'; readonly runnerHeartbeatAt: number | null; readonly runnerBusyJobId: string | null };

export type TimerName = 'approval' | 'detect' | 'watchdog' | 'resiliency-warn' | 'resiliency-limit';
