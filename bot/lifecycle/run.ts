import type { Plan } from '../../commands/build-plan.js';
import type { ConfirmedFacts } from '../../commands/schemas.js';
import type { StepOutcome } from '../../core/messages.js';
import type { LockGrant } from '../../store/ports.js';

/**
 * A run's whole state, stored as one JSON document and changed only by `advance`.
 * Terminal statuses: succeeded, rejected, expired, aborted.
 */
export type RunStatus =
  | 'detecting'
  | 'confirming'
  | 'awaiting_approval'
  | 'running'
  | 'waiting'
  | 'failed'
  | 'interrupted'
  | 'restoring'
  | 'succeeded'
  | 'rejected'
  | 'expired'
  | 'aborted';

export const TERMINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'rejected', 'expired', 'aborted'];

/** What the runner detected, every field optional: the human's confirmation decides. */
export interface DetectedFacts {
  readonly product: string | null;
  readonly version: string | null;
  readonly edition: string | null;
  readonly poolFqdn: string | null;
  readonly sqlServerFqdn: string | null;
  readonly collocated: readonly string[];
  readonly csComponents: boolean | null;
  readonly mirrored: boolean | null;
  readonly pendingReboot: boolean | null;
  readonly package: {
    readonly path: string;
    readonly exists: boolean;
    readonly sha256: string | null;
    readonly signature: string | null;
    readonly signer: string | null;
  } | null;
}

export type StepStatus = 'pending' | 'sent' | 'running' | 'succeeded' | 'skipped' | StepOutcome;

export interface StepState {
  status: StepStatus;
  attempts: number;
  jobId: string | null;
  sentAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  exitCode: number | null;
  data: Record<string, unknown>;
  tail: string[];
  message: string | null;
  errorCode: string | null;
}

export type GateKind = 'failure' | 'interrupted' | 'open-shells' | 'reboot' | 'second-admin';

/** A decision that needs a second admin before it takes effect. */
export interface PendingDecision {
  readonly action: DecisionAction;
  readonly by: string;
  readonly at: number;
}

export type DecisionAction = 'retry' | 'skip' | 'abort' | 'restore' | 'wait' | 'proceed' | 'reboot';

export interface Gate {
  readonly kind: GateKind;
  readonly stepIndex: number;
  readonly openedAt: number;
  readonly data: Record<string, unknown>;
  readonly pending: PendingDecision | null;
}

export interface Approval {
  readonly by: string;
  readonly at: number;
  readonly planHash: string;
}

export interface Run {
  readonly id: string;
  readonly server: string;
  readonly channel: string;
  readonly requestedBy: string;
  readonly requestedAt: number;
  /** language of the shared thread messages, fixed when the run starts */
  readonly lang: string;
  readonly breakGlass: { readonly reason: string } | null;
  status: RunStatus;
  /** why the run ended or paused, as a message key */
  reason: string | null;
  packagePath: string | null;
  detectJobId: string | null;
  detected: DetectedFacts | null;
  /** facts the requester confirmed but whose package still needs detecting */
  pendingConfirmation: ConfirmedFactsDraft | null;
  confirmed: ConfirmedFacts | null;
  confirmedBy: string | null;
  /** fields where the confirmation differs from detection, acknowledged by the confirmer */
  mismatches: string[];
  plan: Plan | null;
  approvalExpiresAt: number | null;
  approval: Approval | null;
  decidedBy: { readonly by: string; readonly at: number; readonly action: 'approved' | 'rejected' } | null;
  lock: LockGrant | null;
  /** index into plan.steps of the step in progress or next to run */
  current: number;
  steps: StepState[];
  /** extra steps run outside the plan: the reboot, and restoring services after an abort */
  extra: { stepId: string; state: StepState }[];
  /** services to start again after an abort, and where in `extra` that began */
  restore: { steps: string[]; from: number } | null;
  gate: Gate | null;
  resiliency: { startedAt: number | null; endedAt: number | null; warned: boolean; limitPassed: boolean };
  versionBefore: string | null;
  versionAfter: string | null;
  finishedAt: number | null;
  /** counter for effect and job ids, so ids are deterministic per run */
  seq: number;
}

/** What the confirmation form collects, before the package hash is known. */
export interface ConfirmedFactsDraft {
  readonly product: ConfirmedFacts['product'];
  readonly edition: ConfirmedFacts['edition'];
  readonly collocatedStores: boolean;
  readonly sqlServerFqdn: string | null;
  readonly packagePath: string;
  readonly by: string;
  readonly mismatches: string[];
}

export function emptyStep(): StepState {
  return {
    status: 'pending',
    attempts: 0,
    jobId: null,
    sentAt: null,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    exitCode: null,
    data: {},
    tail: [],
    message: null,
    errorCode: null,
  };
}

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}
