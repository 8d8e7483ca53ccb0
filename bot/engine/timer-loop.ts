import type { Logger } from '../../core/logger.js';
import type { Stores } from '../../store/ports.js';
import { ChatError, type Chat } from '../chat/chat.js';
import type { Translator } from '../i18n/translator.js';
import type { TimerName } from '../lifecycle/events.js';
import type { Run } from '../lifecycle/run.js';
import { fallbackText } from '../views/blocks.js';
import { parentBlocks } from '../views/parent.js';
import type { RunEngine } from './run-engine.js';

export interface TimerDeps {
  readonly stores: Stores;
  readonly engine: RunEngine;
  readonly chat: Chat;
  readonly translator: Translator;
  readonly logger: Logger;
  readonly now: () => number;
}

const LIFECYCLE_TIMERS: readonly string[] = ['approval', 'detect', 'resiliency-warn', 'resiliency-limit'];

/** Fires due timers. Timers live in Redis, so a restarted or different replica fires them too. */
export class TimerLoop {
  constructor(private readonly deps: TimerDeps) {}

  async tick(): Promise<number> {
    const due = await this.deps.stores.timers.claimDue(this.deps.now(), 50);
    for (const timer of due) {
      try {
        await this.fire(timer.runId, timer.name);
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
    if (!run) return;
    const refs = await stores.runs.getRefs(runId);
    if (!refs.parent) {
      await stores.timers.schedule(runId, 'parent', this.deps.now() + 1000);
      return;
    }
    const blocks = parentBlocks(this.deps.translator.forLang(run.lang), run, this.deps.now());
    try {
      await this.deps.chat.update(run.channel, refs.parent, blocks, fallbackText(blocks));
      await stores.runs.setRef(runId, 'parentUpdatedAt', String(this.deps.now()));
    } catch (err) {
      if (err instanceof ChatError && err.retryable) {
        await stores.timers.schedule(runId, 'parent', this.deps.now() + (err.retryAfterMs ?? 2000));
        return;
      }
      this.deps.logger.error({ err, runId }, 'parent update failed');
    }
  }
}
