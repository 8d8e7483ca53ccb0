import type { Logger } from '../../core/logger.js';
import type { Stores } from '../../store/ports.js';
import { ChatError, type Chat } from '../chat/chat.js';
import type { Translator } from '../i18n/translator.js';
import type { TimerName } from '../lifecycle/events.js';
import type { Run } from '../lifecycle/run.js';
import { fallbackText } from '../views/blocks.js';
import { parentBlocks } from '../views/parent.js';
import type { ChannelPace } from './effect-executor.js';
import type { RunEngine } from './run-engine.js';

export interface TimerDeps {
  readonly stores: Stores;
  readonly engine: RunEngine;
  readonly chat: Chat;
  readonly translator: Translator;
  readonly logger: Logger;
  readonly now: () => number;
  /**
   * How long a claimed timer stays hidden from other replicas while this one fires it; if this
   * process dies first, the timer is due again after that. Longer than one fire (a Slack call).
   */
  readonly leaseMs?: number;
  /** CSPATCH_PARENT_UPDATE_INTERVAL: the least time between two edits of a run's parent */
  readonly parentIntervalMs?: number;
  /** shared per-channel write budget (see EffectExecutor); absent means unpaced */
  readonly channelPace?: ChannelPace;
}

const LIFECYCLE_TIMERS: readonly string[] = ['approval', 'detect', 'resiliency-warn', 'resiliency-limit'];

/**
 * Fires due timers. Timers live in Redis, so a restarted or different replica fires them too, and a
 * timer claimed by a process that died before firing it comes back when its lease ends.
 */
export class TimerLoop {
  constructor(private readonly deps: TimerDeps) {}

  async tick(): Promise<number> {
    const now = this.deps.now();
    const leaseMs = this.deps.leaseMs ?? 30_000;
    const due = await this.deps.stores.timers.claimDue(now, 50, leaseMs);
    for (const timer of due) {
      try {
        await this.fire(timer.runId, timer.name);
        await this.deps.stores.timers.settle(timer.runId, timer.name, now + leaseMs);
      } catch (err) {
        this.deps.logger.error({ err, timer }, 'timer failed; trying again shortly');
        await this.deps.stores.timers.schedule(timer.runId, timer.name, this.deps.now() + 2000);
      }
    }
    return due.length;
  }

  private async fire(runId: string, name: string): Promise<void> {
    const { engine, stores } = this.deps;
    if (name === 'parent') return this.updateParent(runId);
    if (name === 'watchdog') {
      const run = await engine.get(runId);
      if (!run) return;
      const runner = await stores.runners.get(run.server);
      await engine.dispatch(runId, { type: 'watchdog', runnerHeartbeatAt: runner?.heartbeatAt ?? null, runnerBusyJobId: runner?.busyJobId ?? null });
      return;
    }
    if (LIFECYCLE_TIMERS.includes(name)) await engine.dispatch(runId, { type: 'timer', name: name as Exclude<TimerName, 'watchdog'> });
  }

  /** The coalesced parent refresh: one chat.update with the state as it is now. */
  private async updateParent(runId: string): Promise<void> {
    const { stores } = this.deps;
    const run = (await stores.runs.get<Run>(runId))?.value;
    // After the run expired, writing a ref would create a refs key that never expires.
    if (!run) return;
    const refs = await stores.runs.getRefs(runId);
    if (!refs.parent) {
      await stores.timers.schedule(runId, 'parent', this.deps.now() + 1000);
      return;
    }
    // An update-parent effect that read the stamp just before the previous edit set this timer for
    // "now" (pairs of edits milliseconds apart under load): keep edits an interval apart anyway;
    // the deferred edit shows the newer state.
    const last = Number(refs.parentUpdatedAt ?? 0);
    const interval = this.deps.parentIntervalMs ?? 0;
    if (this.deps.now() - last < interval) {
      await stores.timers.schedule(runId, 'parent', last + interval);
      return;
    }
    const pace = this.deps.channelPace;
    if (pace) {
      const wait = await stores.pacer.take(run.channel, this.deps.now(), pace.intervalMs, pace.burst);
      if (wait > 0) {
        await stores.timers.schedule(runId, 'parent', this.deps.now() + wait);
        return;
      }
    }
    // Stamped before the edit, not after it: an update-parent effect committed while the edit is
    // in flight must schedule the next one a full interval later, not at once.
    await stores.runs.setRef(runId, 'parentUpdatedAt', String(this.deps.now()));
    const blocks = parentBlocks(this.deps.translator.forLang(run.lang), run, this.deps.now());
    try {
      await this.deps.chat.update(run.channel, refs.parent, blocks, fallbackText(blocks));
    } catch (err) {
      if (err instanceof ChatError && err.retryable) {
        await stores.timers.schedule(runId, 'parent', this.deps.now() + (err.retryAfterMs ?? 2000));
        return;
      }
      this.deps.logger.error({ err, runId }, 'parent update failed');
    }
  }
}
