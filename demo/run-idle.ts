import { TERMINAL_STATUSES, type Run, type RunStatus } from '../bot/lifecycle/run.js';
import type { Stores } from '../store/ports.js';
import type { ActivityProbe } from './activity-probe.js';

/** Statuses in which nothing moves until a person acts (buttons in the thread, or the form). */
const WAITING_FOR_A_PERSON: readonly RunStatus[] = ['confirming', 'awaiting_approval', 'waiting', 'failed', 'interrupted'];

async function effectsDone(stores: Stores, runId: string): Promise<boolean> {
  return (await stores.runs.peekEffect(runId, 'slack')) === null && (await stores.runs.peekEffect(runId, 'control')) === null;
}

/** Every effect of every run in this session has been performed (the chat saw what it should). */
export async function effectsSettled(stores: Stores, probe: ActivityProbe): Promise<boolean> {
  for (const runId of probe.runs()) if (!(await effectsDone(stores, runId))) return false;
  return true;
}

/**
 * Every run of this session waits for a person or has ended, with all its messages out,
 * its thread parent refreshed to the final state included.
 */
export async function runsIdle(stores: Stores, probe: ActivityProbe): Promise<boolean> {
  for (const runId of probe.runs()) {
    const run = (await stores.runs.get<Run>(runId))?.value;
    if (!run) continue;
    if (!WAITING_FOR_A_PERSON.includes(run.status) && !TERMINAL_STATUSES.includes(run.status)) return false;
    if (probe.parentPending(runId) || !(await effectsDone(stores, runId))) return false;
  }
  return true;
}
