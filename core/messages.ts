import { z } from 'zod';
import { sign, verify } from './signing.js';

/**
 * What travels between bot and runner. Jobs name a catalog step and its parameters, never script
 * text. Every message is HMAC-signed with the runner's key (core/signing.ts) and carried in the
 * stream entry's single field `m` as JSON.
 */
export const MESSAGE_FIELD = 'm';

export const STEP_OUTCOMES = ['succeeded', 'failed', 'timed_out', 'refused', 'interrupted'] as const;
export type StepOutcome = (typeof STEP_OUTCOMES)[number];

const base = {
  v: z.literal(1),
  jobId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
  runId: z.string().regex(/^[a-z0-9]{6,32}$/),
  server: z.string().min(1).max(253),
  sig: z.string(),
};

export const jobMessageSchema = z
  .object({
    ...base,
    stepId: z.string().min(1).max(64),
    params: z.record(z.string(), z.unknown()),
    /** 1 for the first try; a human's Retry sends the same step with attempt + 1 and a new jobId */
    attempt: z.number().int().min(1).max(100),
    issuedAt: z.number().int().nonnegative(),
  })
  .strict();
export type JobMessage = z.infer<typeof jobMessageSchema>;

export const resultMessageSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('started'), stepId: z.string(), at: z.number() }).strict(),
  z
    .object({
      ...base,
      type: z.literal('output'),
      /** per job, increasing from 1, so the bot can order and de-duplicate batches */
      seq: z.number().int().positive(),
      lines: z.array(z.object({ stream: z.enum(['stdout', 'stderr']), text: z.string().max(8192) })).max(500),
      at: z.number(),
    })
    .strict(),
  z
    .object({
      ...base,
      type: z.literal('finished'),
      stepId: z.string(),
      outcome: z.enum(STEP_OUTCOMES),
      exitCode: z.number().int().nullable(),
      durationMs: z.number().nonnegative(),
      /** merged objects from CSPATCH: lines */
      data: z.record(z.string(), z.unknown()),
      /** a core/errors ErrorCode when the runner refused or failed for its own reasons */
      errorCode: z.string().optional(),
      message: z.string().max(2000).optional(),
      /** the last lines of output, for the thread */
      tail: z.array(z.string().max(8192)).max(50),
      at: z.number(),
    })
    .strict(),
]);
export type ResultMessage = z.infer<typeof resultMessageSchema>;
export type FinishedResult = Extract<ResultMessage, { type: 'finished' }>;

type Unsigned<T> = T extends unknown ? Omit<T, 'sig'> : never;
export type UnsignedJob = Omit<JobMessage, 'sig'>;
export type UnsignedResult = Unsigned<ResultMessage>;

export function signMessage<T extends object>(key: string, message: T): T & { sig: string } {
  return { ...message, sig: sign(key, message) };
}

export function verifyMessage(key: string, message: { sig?: unknown }): boolean {
  return verify(key, message, message.sig);
}
