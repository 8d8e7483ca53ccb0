import type { Logger } from '../../core/logger.js';
import { signMessage, type UnsignedJob } from '../../core/messages.js';
import { deriveRunnerKey } from '../../core/signing.js';
import type { EffectQueue, QueuedEffect, Stores } from '../../store/ports.js';
import { ChatError, type Chat } from '../chat/chat.js';
import type { Translator } from '../i18n/translator.js';
import type { Effect } from '../lifecycle/effects.js';
import type { Run } from '../lifecycle/run.js';
import { fallbackText, section } from '../views/blocks.js';
import { parentBlocks } from '../views/parent.js';
import { ephemeralParams } from '../views/ephemeral.js';
import { replyBlocks } from '../views/replies.js';
import type { LanguageResolver } from './languages.js';

export interface ExecutorDeps {
  readonly stores: Stores;
  readonly chat: Chat;
  readonly translator: Translator;
  readonly languages: LanguageResolver;
  readonly runnerSecret: string;
  readonly retentionMs: number;
  readonly parentIntervalMs: number;
  readonly logger: Logger;
  readonly now: () => number;
  /** how long one process may hold an effect before another may take it over */
  readonly leaseMs?: number;
  /** shared per-channel write budget; absent means unpaced (the console demo) */
  readonly channelPace?: ChannelPace;
}

/** Slack's limit is about one message a second per channel, with short bursts. */
export interface ChannelPace {
  readonly intervalMs: number;
  readonly burst: number;
}

/** The channel's write budget is spent: not a failure, the queue simply waits its turn. */
class Paced extends Error {
  constructor(readonly waitMs: number) {
    super('channel write budget spent');
  }
}

const BACKOFF_MS = [1000, 2000, 5000, 10000, 30000];

/**
 * Performs the effects committed with each state change, oldest first, one queue per run at a
 * time. An effect is removed only after it was performed, so a crash repeats it rather than
 * losing it; a lease keeps two replicas from performing the same one at once.
 */
export class EffectExecutor {
  private readonly draining = new Set<string>();
  private readonly again = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly idle = new Set<() => void>();

  constructor(private readonly deps: ExecutorDeps) {}

  /** Drains both queues of a run now (called after a commit in this process). */
  kick(runId: string): void {
    for (const queue of ['control', 'slack'] as const) {
      // Redis gone mid-drain: nothing is lost (the queue stays indexed and poll() comes back to
      // it), so log instead of letting the rejection take the process down.
      this.drain(runId, queue).catch((err: unknown) => this.deps.logger.warn({ runId, queue, err }, 'performing effects failed; will retry'));
    }
  }

  /** Picks up work committed by other replicas and queues whose retry time has come. */
  async poll(): Promise<void> {
    const ready = await this.deps.stores.runs.runsWithEffects(this.deps.now(), 100);
    await Promise.all(ready.map(({ runId, queue }) => this.drain(runId, queue)));
  }

  /** Resolves once nothing is being drained in this process (tests and shutdown). */
  async settled(): Promise<void> {
    if (this.draining.size === 0) return;
    await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  private async drain(runId: string, queue: EffectQueue): Promise<void> {
    const key = `${runId}|${queue}`;
    if (this.draining.has(key)) {
      this.again.add(key);
      return;
    }
    this.draining.add(key);
    try {
      do {
        this.again.delete(key);
        await this.drainOnce(runId, queue, key);
      } while (this.again.has(key));
    } finally {
      this.draining.delete(key);
      if (this.draining.size === 0) for (const resolve of [...this.idle]) (this.idle.delete(resolve), resolve());
    }
  }

  private async drainOnce(runId: string, queue: EffectQueue, key: string): Promise<void> {
    const { runs, dedupe } = this.deps.stores;
    for (;;) {
      const effect = await runs.peekEffect(runId, queue);
      if (!effect) {
        this.failures.delete(key);
        return;
      }
      if (!(await dedupe.firstTime(`lease:${effect.id}`, this.deps.leaseMs ?? 60000))) return;
      try {
        await this.perform(runId, effect);
        this.failures.delete(key);
      } catch (err) {
        if (err instanceof Paced) {
          await dedupe.forget(`lease:${effect.id}`);
          await runs.deferEffects(runId, queue, this.deps.now() + err.waitMs);
          return;
        }
        // Only Slack's definitive "no" drops an effect. Anything else (a timeout, a 5xx, Redis
        // refusing a write) is retried: a dropped send-job or release-lock would strand the run.
        if (!(err instanceof ChatError) || err.retryable) {
          const n = (this.failures.get(key) ?? 0) + 1;
          this.failures.set(key, n);
          const wait = (err instanceof ChatError ? err.retryAfterMs : null) ?? BACKOFF_MS[Math.min(n - 1, BACKOFF_MS.length - 1)]!;
          this.deps.logger.warn({ runId, effect: effect.payload.type, wait, err: (err as Error).message }, 'effect failed, will retry');
          await dedupe.forget(`lease:${effect.id}`);
          await runs.deferEffects(runId, queue, this.deps.now() + wait);
          return;
        }
        // Slack refused for good (e.g. channel_not_found): keep going, but leave a trace for the admins.
        this.deps.logger.error({ runId, effect: effect.payload, err }, 'effect failed and was dropped');
        await this.deps.stores.audit.append({ at: this.deps.now(), actor: 'cspatch', action: 'effect_dropped', runId, planHash: null, detail: { effect: effect.payload.type, error: String((err as Error).message ?? err) } });
      }
      await runs.popEffect(runId, queue, effect.id);
    }
  }

  /** Takes a write slot in the channel, or throws Paced with the time until one is free. */
  private async pace(channel: string): Promise<void> {
    const pace = this.deps.channelPace;
    if (!pace) return;
    const wait = await this.deps.stores.pacer.take(channel, this.deps.now(), pace.intervalMs, pace.burst);
    if (wait > 0) throw new Paced(wait);
  }

  private async perform(runId: string, queued: QueuedEffect): Promise<void> {
    const effect = queued.payload as unknown as Effect;
    const { stores } = this.deps;
    const run = (await stores.runs.get<Run>(runId))?.value;
    if (!run) return;
    const now = this.deps.now();
    switch (effect.type) {
      case 'post-parent': {
        const refs = await stores.runs.getRefs(runId);
        if (refs.parent) return;
        const t = this.deps.translator.forLang(run.lang);
        const blocks = parentBlocks(t, run, now);
        await this.pace(run.channel);
        const { ts } = await this.deps.chat.post(run.channel, blocks, fallbackText(blocks));
        await stores.runs.setRef(runId, 'parent', ts);
        await stores.runs.setRef(runId, 'parentUpdatedAt', String(now));
        return;
      }
      case 'update-parent': {
        const refs = await stores.runs.getRefs(runId);
        const last = Number(refs.parentUpdatedAt ?? 0);
        // Coalescing: many updates inside one interval become one chat.update.
        await stores.timers.schedule(runId, 'parent', Math.max(now, last + this.deps.parentIntervalMs));
        return;
      }
      case 'reply': {
        const refs = await stores.runs.getRefs(runId);
        const t = this.deps.translator.forLang(run.lang);
        const blocks = replyBlocks(t, run, effect.message, now);
        if (blocks.length === 0) return;
        await this.pace(run.channel);
        await this.deps.chat.post(run.channel, blocks, fallbackText(blocks), refs.parent);
        return;
      }
      case 'ephemeral': {
        const refs = await stores.runs.getRefs(runId);
        const lang = await this.deps.languages.forUser(effect.message.user, run.channel);
        const t = this.deps.translator.forLang(lang);
        const text = t(`ephemeral.${effect.message.key}`, ephemeralParams(t, effect.message.params));
        await this.deps.chat.ephemeral(run.channel, effect.message.user, [section(text)], text, refs.parent);
        return;
      }
      case 'send-job':
        return this.sendJob(run, effect);
      case 'set-timer':
        return stores.timers.schedule(runId, effect.name, effect.at);
      case 'clear-timer':
        return stores.timers.cancel(runId, effect.name);
      case 'release-lock':
        if (run.lock) await stores.locks.release(run.server, run.lock);
        return;
      case 'audit':
        await stores.audit.append({ at: now, actor: effect.actor, action: effect.action, runId, planHash: effect.planHash !== undefined ? effect.planHash : (run.plan?.hash ?? null), detail: effect.detail });
        return;
      case 'finish':
        return stores.runs.finish(runId, run.server, this.deps.retentionMs);
    }
  }

  private async sendJob(run: Run, effect: Extract<Effect, { type: 'send-job' }>): Promise<void> {
    const holder = await this.deps.stores.locks.holder(run.server);
    // Fencing: only the run holding the server's lock, with its own token, may send it work.
    if (!holder || holder.runId !== run.id || (run.lock && holder.token !== run.lock.token)) {
      this.deps.logger.error({ runId: run.id, holder, jobId: effect.jobId }, 'job not sent: this run does not hold the server lock');
      await this.deps.stores.audit.append({ at: this.deps.now(), actor: 'cspatch', action: 'job_fenced', runId: run.id, planHash: run.plan?.hash ?? null, detail: { jobId: effect.jobId, holder } });
      return;
    }
    const job: UnsignedJob = {
      v: 1,
      jobId: effect.jobId,
      runId: run.id,
      server: run.server,
      stepId: effect.stepId,
      params: effect.params,
      attempt: effect.attempt,
      issuedAt: this.deps.now(),
    };
    await this.deps.stores.botBus.sendJob(run.server, signMessage(deriveRunnerKey(this.deps.runnerSecret, run.server), job));
  }
}
