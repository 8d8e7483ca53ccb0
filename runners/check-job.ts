import { getStep } from '../commands/catalog.js';
import { renderScript } from '../commands/render-script.js';
import { describeIssues } from '../commands/schemas.js';
import type { StepDefinition } from '../commands/step-definition.js';
import { ErrorCode, coerceError } from '../core/errors.js';
import { jobMessageSchema, verifyMessage, type JobMessage } from '../core/messages.js';
import type { StreamEntry } from '../store/ports.js';
import type { ResultIds } from './results.js';

/** A job older than this is refused as a replay even when its id was forgotten. */
export const MAX_JOB_AGE_MS = 24 * 60 * 60 * 1000;

const JOB_ID = /^[A-Za-z0-9_-]{8,64}$/;
const RUN_ID = /^[a-z0-9]{6,32}$/;

export type Verdict =
  /** not even addressable: log it and acknowledge it, nobody to answer */
  | { readonly kind: 'drop'; readonly reason: string }
  /** this very stream entry was handled before (redelivered after a restart) */
  | { readonly kind: 'duplicate'; readonly jobId: string }
  | { readonly kind: 'refuse'; readonly ids: ResultIds; readonly errorCode: ErrorCode; readonly message: string; readonly verified: boolean }
  | { readonly kind: 'run'; readonly job: JobMessage; readonly def: StepDefinition; readonly script: string };

export interface CheckContext {
  /** this runner's key (CSPATCH_RUNNER_SECRET) */
  readonly key: string;
  /** this runner's server FQDN */
  readonly server: string;
  /** the stream entry id that carried a job before, from the journal */
  readonly entryOf: (jobId: string) => string | undefined;
  readonly now: number;
}

function parse(raw: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(raw);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Decides what to do with one stream entry, in the order that gives an attacker the least:
 * shape, signature, addressee, freshness, and only then the catalog and its parameters.
 * Nothing here runs anything.
 */
export function checkJob(entry: StreamEntry, ctx: CheckContext): Verdict {
  const obj = parse(entry.raw);
  if (!obj) return { kind: 'drop', reason: 'not a JSON object' };
  const { jobId, runId } = obj;
  if (typeof jobId !== 'string' || !JOB_ID.test(jobId) || typeof runId !== 'string' || !RUN_ID.test(runId)) {
    return { kind: 'drop', reason: 'no valid jobId/runId to answer to' };
  }
  const stepId = typeof obj.stepId === 'string' ? obj.stepId.slice(0, 64) : '';
  const ids: ResultIds = { jobId, runId, server: ctx.server, stepId };
  const refuse = (errorCode: ErrorCode, message: string, verified = false): Verdict => ({ kind: 'refuse', ids, errorCode, message, verified });

  if (typeof obj.sig !== 'string' || obj.sig === '') {
    return refuse(ErrorCode.JobUnsigned, 'the job is not signed; only the cspatch bot, which holds the signing secret, may send jobs');
  }
  const shaped = jobMessageSchema.safeParse(obj);
  if (!shaped.success) return refuse(ErrorCode.JobMalformed, `the job is malformed: ${describeIssues(shaped.error)}`);
  const job = shaped.data;
  if (!verifyMessage(ctx.key, job)) {
    return refuse(
      ErrorCode.JobSignatureInvalid,
      "the job's signature does not match: it was altered, or this runner's CSPATCH_RUNNER_SECRET is not the key `cspatch runner-key <fqdn>` prints for this server",
    );
  }
  if (job.server.toLowerCase() !== ctx.server) {
    return refuse(ErrorCode.JobWrongServer, `the job is addressed to ${job.server}, but this runner serves ${ctx.server}`, true);
  }
  const seenIn = ctx.entryOf(job.jobId);
  if (seenIn === entry.id) return { kind: 'duplicate', jobId: job.jobId };
  if (seenIn !== undefined) return refuse(ErrorCode.JobReplayed, `job ${job.jobId} was already received once; a job is never run twice`, true);
  if (ctx.now - job.issuedAt > MAX_JOB_AGE_MS) {
    return refuse(ErrorCode.JobReplayed, 'the job was issued more than 24 hours ago; send the step again from the bot', true);
  }
  try {
    const script = renderScript(job.stepId, job.params);
    return { kind: 'run', job, def: getStep(job.stepId), script };
  } catch (err) {
    // renderScript throws unknown_step or param_invalid; anything else is still a bad parameter.
    const e = coerceError(err);
    return refuse(e.code === ErrorCode.Internal ? ErrorCode.ParamInvalid : e.code, e.message, true);
  }
}
