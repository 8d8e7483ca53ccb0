import { randomBytes } from 'node:crypto';
import { CspatchError, ErrorCode } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { EffectQueue, QueuedEffect, Stores } from '../../store/ports.js';
import { advance, createRun, type NewRunInput, type Transition } from '../lifecycle/advance.js';
import { SLACK_EFFECTS, type Effect } from '../lifecycle/effects.js';
import type { RunEvent } from '../lifecycle/events.js';
import type { Policy } from '../lifecycle/policy.js';
import type { Run } from '../lifecycle/run.js';

export interface EngineDeps {
  readonly stores: Stores;
  readonly policy: Policy;
  readonly now: () => number;
  readonly logger: Logger;
  /** called after every successful commit, so effects run without waiting for a poll */
  readonly onCommitted: (runId: string) => void;
}

const MAX_CONFLICT_RETRIES = 20;

/** Splits effects into the two durable queues, each effect with an id unique to this commit. */
export function queueEffects(runId: string, version: number, effects: readonly Effect[]): Record<EffectQueue, QueuedEffect[]> {
  const out: Record<EffectQueue, QueuedEffect[]> = { slack: [], control: [] };
  effects.forEach((effect, i) => {
    const queue: EffectQueue = SLACK_EFFECTS.has(effect.type) ? 'slack' : 'control';
    out[queue].push({ id: `${runId}:${version}:${i}`, payload: { ...effect } });
  });
  return out;
}

export function newRunId(): string {
  // 12 base-32 characters: short enough to type in `/cspatch abort`, 60 bits of randomness.
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  return Array.from(randomBytes(12), (b) => alphabet[b % 32]).join('');
}

/**
 * Applies events to runs: load, advance (pure), and commit state plus effects atomically with
 * compare-and-set. A conflicting writer (another replica) makes us reload and advance again,
 * so each event takes effect exactly once on the state it was applied to.
 */
export class RunEngine {
  constructor(private readonly deps: EngineDeps) {}

  async create(input: Omit<NewRunInput, 'id'> & { id?: string }): Promise<Run> {
    const id = input.id ?? newRunId();
    const { run, effects } = createRun({ ...input, id }, this.deps.now(), this.deps.policy);
    const created = await this.deps.stores.runs.create(id, run, queueEffects(id, 1, effects));
    if (!created) throw new CspatchError(ErrorCode.Internal, `run id ${id} already exists`);
    await this.deps.stores.runs.addHistory(run.server, id);
    this.deps.onCommitted(id);
    return run;
  }

  async get(runId: string): Promise<Run | null> {
    return (await this.deps.stores.runs.get<Run>(runId))?.value ?? null;
  }

  /** Applies one event; returns the transition, or null when the run does not exist. */
  async dispatch(runId: string, event: RunEvent): Promise<Transition | null> {
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt += 1) {
      const stored = await this.deps.stores.runs.get<Run>(runId);
      if (!stored) return null;
      const transition = advance(stored.value, event, this.deps.now(), this.deps.policy);
      if (transition.effects.length === 0 && JSON.stringify(transition.run) === JSON.stringify(stored.value)) return transition;
      const ok = await this.deps.stores.runs.commit(runId, transition.run, stored.version, queueEffects(runId, stored.version + 1, transition.effects));
      if (ok) {
        this.deps.onCommitted(runId);
        return transition;
      }
      this.deps.logger.debug({ runId, event: event.type, attempt }, 'concurrent update, re-applying');
    }
    throw new CspatchError(ErrorCode.ConcurrentUpdate, `run ${runId} kept changing under us`, { runId });
  }
}
