import { z } from 'zod';
import { CspatchError, ErrorCode } from '../core/errors.js';
import type { UnsignedFinished } from './results.js';
import { readFileIfExists, writeFileDurably } from './journal-file.js';

/**
 * The runner's local memory of what it started, kept on the server's disk rather than in Redis
 * because it must survive exactly the failures Redis cannot see: a crash or a reboot mid-step.
 *
 * An entry moves running → completed (outcome known, result kept here) → finished (result stored
 * in Redis). The `seen` list remembers which stream entry carried each job, so a redelivered
 * entry is acknowledged quietly while the same job arriving in a new entry is a replay.
 */
export const MAX_SEEN = 1000;

const finishedResultSchema = z.object({ type: z.literal('finished'), jobId: z.string(), outcome: z.string() }).passthrough();

const entrySchema = z.object({
  jobId: z.string(),
  runId: z.string(),
  stepId: z.string(),
  /** the stream entry that carried the job */
  entryId: z.string(),
  state: z.enum(['running', 'completed', 'finished']),
  startedAt: z.number(),
  result: finishedResultSchema.optional(),
});
export type JournalEntry = Omit<z.infer<typeof entrySchema>, 'result'> & { result?: UnsignedFinished };

const fileSchema = z.object({
  v: z.literal(1),
  current: entrySchema.nullable(),
  seen: z.array(z.object({ jobId: z.string(), entryId: z.string() })),
});
type JournalData = { v: 1; current: JournalEntry | null; seen: Array<{ jobId: string; entryId: string }> };

export interface Journal {
  readonly path: string;
  /** The last step started, whatever its state. */
  current(): JournalEntry | null;
  /** The stream entry id that carried this job, when the job was seen before. */
  entryOf(jobId: string): string | undefined;
  /** Records a step as running; called before the process is spawned. */
  begin(entry: Omit<JournalEntry, 'state' | 'result'>): Promise<void>;
  /** Keeps the outcome before it is published, so a crash cannot lose it. */
  complete(result: UnsignedFinished): Promise<void>;
  /** The result is stored in Redis: nothing left to report. */
  finish(): Promise<void>;
  /** Remembers a verified job that was refused, so its redelivery is not refused twice. */
  remember(jobId: string, entryId: string): Promise<void>;
}

function withSeen(data: JournalData, jobId: string, entryId: string): JournalData['seen'] {
  return [...data.seen.filter((s) => s.jobId !== jobId), { jobId, entryId }].slice(-MAX_SEEN);
}

async function load(path: string): Promise<JournalData> {
  const text = await readFileIfExists(path);
  if (text === null) return { v: 1, current: null, seen: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const checked = fileSchema.safeParse(parsed);
  // Guessing here could silently re-run a step that was already started, so stop and ask a human.
  if (!checked.success) {
    throw new CspatchError(
      ErrorCode.Internal,
      `the runner journal ${path} is unreadable; check which step was running (the bot's thread says), then move the file away and start the runner again`,
      { path },
    );
  }
  return checked.data as JournalData;
}

/**
 * Opens (or creates on first write) the journal at `path`.
 *
 * @example const journal = await openJournal(config.journalPath)
 */
export async function openJournal(path: string): Promise<Journal> {
  let data = await load(path);
  const save = async (next: JournalData) => {
    await writeFileDurably(path, `${JSON.stringify(next)}\n`);
    data = next;
  };
  const updateCurrent = (patch: Partial<JournalEntry>) => {
    if (!data.current) throw new CspatchError(ErrorCode.Internal, 'journal: no current step to update');
    return save({ ...data, current: { ...data.current, ...patch } });
  };
  return {
    path,
    current: () => data.current,
    entryOf: (jobId) => data.seen.find((s) => s.jobId === jobId)?.entryId,
    begin: (entry) => save({ v: 1, current: { ...entry, state: 'running' }, seen: withSeen(data, entry.jobId, entry.entryId) }),
    complete: (result) => updateCurrent({ state: 'completed', result }),
    finish: () => updateCurrent({ state: 'finished' }),
    remember: (jobId, entryId) => save({ ...data, seen: withSeen(data, jobId, entryId) }),
  };
}
