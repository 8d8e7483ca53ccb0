/**
 * What `advance` asks the world to do. Plain data: the engine stores them with the new state in
 * one atomic commit, and executors perform them afterwards (at least once, idempotently).
 */

/** A thread reply, described by meaning; bot/views renders it in the channel's language. */
export type ThreadMessage =
  | { readonly kind: 'detect-failed'; readonly error: string }
  | { readonly kind: 'package-problem'; readonly problem: string }
  | { readonly kind: 'plan-invalid'; readonly error: string }
  | { readonly kind: 'plan-ready' }
  | { readonly kind: 'approved'; readonly by: string }
  | { readonly kind: 'rejected'; readonly by: string }
  | { readonly kind: 'expired' }
  | { readonly kind: 'step-started'; readonly stepIndex: number; readonly attempt: number }
  | { readonly kind: 'step-finished'; readonly stepIndex: number; readonly attempt: number }
  | { readonly kind: 'extra-started'; readonly extraIndex: number }
  | { readonly kind: 'extra-finished'; readonly extraIndex: number }
  | { readonly kind: 'gate'; readonly stepIndex: number }
  | { readonly kind: 'decision'; readonly by: string; readonly action: string; readonly stepIndex: number }
  | { readonly kind: 'needs-second-admin'; readonly by: string; readonly action: string; readonly stepIndex: number }
  | { readonly kind: 'resiliency-warning'; readonly minutes: number }
  | { readonly kind: 'resiliency-limit'; readonly minutes: number }
  | { readonly kind: 'runner-lost'; readonly stepIndex: number }
  | { readonly kind: 'aborted'; readonly by: string }
  | { readonly kind: 'summary' }
  | { readonly kind: 'break-glass'; readonly by: string; readonly reason: string };

/** A private message to one user; `key` is an i18n key under `ephemeral.`. */
export interface EphemeralMessage {
  readonly user: string;
  readonly key: string;
  readonly params: Record<string, string | number>;
}

export type Effect =
  | { readonly type: 'post-parent' }
  | { readonly type: 'update-parent' }
  | { readonly type: 'reply'; readonly message: ThreadMessage }
  | { readonly type: 'ephemeral'; readonly message: EphemeralMessage }
  | {
      readonly type: 'send-job';
      readonly jobId: string;
      readonly stepId: string;
      readonly params: Record<string, unknown>;
      readonly attempt: number;
    }
  | { readonly type: 'set-timer'; readonly name: string; readonly at: number }
  | { readonly type: 'clear-timer'; readonly name: string }
  | { readonly type: 'release-lock' }
  | {
      readonly type: 'audit';
      readonly action: string;
      readonly actor: string;
      readonly detail: Record<string, unknown>;
      /** the plan hash when the event happened (absent in effects queued by older versions) */
      readonly planHash?: string | null;
    }
  | { readonly type: 'finish' };

export const SLACK_EFFECTS: ReadonlySet<Effect['type']> = new Set(['post-parent', 'update-parent', 'reply', 'ephemeral']);
