import type { FinishedResult, ResultMessage, StepOutcome } from '../core/messages.js';
import type { ErrorCode } from '../core/errors.js';

/**
 * Builders for what the runner publishes. They keep every field inside the limits of
 * resultMessageSchema, so the bot never drops a result of ours as malformed.
 */
export type UnsignedFinished = Omit<FinishedResult, 'sig'>;
export type UnsignedOutput = Omit<Extract<ResultMessage, { type: 'output' }>, 'sig'>;
export type UnsignedStarted = Omit<Extract<ResultMessage, { type: 'started' }>, 'sig'>;
export type OutputLine = UnsignedOutput['lines'][number];

/** Who a result is about: the job's ids and the runner's own server name. */
export interface ResultIds {
  readonly jobId: string;
  readonly runId: string;
  readonly server: string;
  readonly stepId: string;
}

export const MAX_LINE = 8192;
const MAX_MESSAGE = 2000;

export function clip(text: string, max: number = MAX_LINE): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function startedResult(ids: ResultIds, at: number): UnsignedStarted {
  return { v: 1, type: 'started', jobId: ids.jobId, runId: ids.runId, server: ids.server, stepId: ids.stepId, at };
}

export function outputResult(ids: ResultIds, seq: number, lines: OutputLine[], at: number): UnsignedOutput {
  return { v: 1, type: 'output', jobId: ids.jobId, runId: ids.runId, server: ids.server, seq, lines, at };
}

export interface FinishedFields {
  readonly outcome: StepOutcome;
  readonly exitCode: number | null;
  readonly durationMs: number;
  readonly data: Record<string, unknown>;
  readonly tail: readonly string[];
  readonly errorCode?: ErrorCode;
  readonly message?: string;
}

export function finishedResult(ids: ResultIds, fields: FinishedFields, at: number): UnsignedFinished {
  return {
    v: 1,
    type: 'finished',
    jobId: ids.jobId,
    runId: ids.runId,
    server: ids.server,
    stepId: ids.stepId,
    outcome: fields.outcome,
    exitCode: fields.exitCode,
    durationMs: Math.max(0, Math.round(fields.durationMs)),
    data: fields.data,
    tail: fields.tail.slice(-50).map((l) => clip(l)),
    at,
    ...(fields.errorCode ? { errorCode: fields.errorCode } : {}),
    ...(fields.message ? { message: clip(fields.message, MAX_MESSAGE) } : {}),
  };
}

/** A job refused before anything ran: no exit code, no output. */
export function refusedResult(ids: ResultIds, errorCode: ErrorCode, message: string, at: number): UnsignedFinished {
  return finishedResult(ids, { outcome: 'refused', exitCode: null, durationMs: 0, data: {}, tail: [], errorCode, message }, at);
}
