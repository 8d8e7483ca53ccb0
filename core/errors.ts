/**
 * Coded errors. Every failure a person may have to act on carries a stable `code`; Slack shows a
 * short translated sentence per code (bot/i18n), the log keeps `message` and `detail`.
 */
export const ErrorCode = {
  ConfigInvalid: 'config_invalid',
  ParamInvalid: 'param_invalid',
  PlanImpossible: 'plan_impossible',
  UnknownStep: 'unknown_step',
  JobUnsigned: 'job_unsigned',
  JobSignatureInvalid: 'job_signature_invalid',
  JobReplayed: 'job_replayed',
  JobMalformed: 'job_malformed',
  JobWrongServer: 'job_wrong_server',
  ResultUnsigned: 'result_unsigned',
  StepTimedOut: 'step_timed_out',
  StepFailed: 'step_failed',
  StepInterrupted: 'step_interrupted',
  ConcurrentUpdate: 'concurrent_update',
  ServerLocked: 'server_locked',
  RunNotFound: 'run_not_found',
  RunnerOffline: 'runner_offline',
  NotAdmin: 'not_admin',
  SelfApproval: 'self_approval',
  ChannelNotAllowed: 'channel_not_allowed',
  ApprovalExpired: 'approval_expired',
  ApprovalStale: 'approval_stale',
  BadCommand: 'bad_command',
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class: `code` for machines and translations, `message` for the log, `detail` for context. */
export class CspatchError extends Error {
  readonly code: ErrorCode;
  readonly detail: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, detail: Record<string, unknown> = {}) {
    super(message);
    this.name = 'CspatchError';
    this.code = code;
    this.detail = detail;
  }
}

/** Turns anything thrown into a CspatchError so callers handle one shape. */
export function coerceError(err: unknown): CspatchError {
  if (err instanceof CspatchError) return err;
  if (err instanceof Error) return new CspatchError(ErrorCode.Internal, err.message, { stack: err.stack });
  return new CspatchError(ErrorCode.Internal, String(err));
}
