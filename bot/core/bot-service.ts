import type { Logger } from '../../core/logger.js';
import type { Stores } from '../../store/ports.js';
import type { Chat } from '../chat/chat.js';
import { createAccessPolicy } from '../engine/access.js';
import { EffectExecutor, type ChannelPace } from '../engine/effect-executor.js';
import { createLanguageResolver } from '../engine/languages.js';
import { ResultConsumer } from '../engine/result-consumer.js';
import { RunEngine } from '../engine/run-engine.js';
import { TimerLoop } from '../engine/timer-loop.js';
import { registerAllLanguages } from '../i18n/languages.js';
import { createTranslator, type Lang } from '../i18n/translator.js';
import type { Policy } from '../lifecycle/policy.js';
import type { BotDeps } from './bot-deps.js';

export interface BotServiceOptions {
  readonly stores: Stores;
  readonly chat: Chat;
  readonly logger: Logger;
  readonly policy: Policy;
  readonly runnerSecret: string;
  readonly admins: readonly string[];
  readonly adminGroup: string | undefined;
  /** how long the admin group's members are cached; 60 s when left out */
  readonly adminGroupTtlMs?: number;
  readonly channels: readonly string[];
  readonly defaultLang: Lang;
  readonly breakGlassEnabled: boolean;
  readonly retentionMs: number;
  readonly parentIntervalMs: number;
  /** per-channel write budget shared by every replica; absent: unpaced (the console demo) */
  readonly channelPace?: ChannelPace;
  /** stable per replica, so a restarted bot picks up the results it had not acknowledged */
  readonly consumerName: string;
  /** how often to look for due timers and for effects committed elsewhere */
  readonly pollMs?: number;
  /** how long a claimed timer waits for this replica to fire it before another may (30 s) */
  readonly timerLeaseMs?: number;
  readonly now?: () => number;
}

export interface BotService {
  readonly deps: BotDeps;
  readonly executor: EffectExecutor;
  /** Stops the loops and waits for work in progress; the stores stay open (the caller owns them). */
  stop(): Promise<void>;
}

/** Everything behind the chat edge: engine, effect executor, result consumer, timers. */
export async function startBotService(opts: BotServiceOptions): Promise<BotService> {
  const now = opts.now ?? Date.now;
  registerAllLanguages();
  const translator = await createTranslator();
  const { stores, logger } = opts;
  let executor: EffectExecutor | null = null;
  const engine = new RunEngine({ stores, policy: opts.policy, now, logger, onCommitted: (runId) => executor?.kick(runId) });
  const languages = createLanguageResolver(opts.defaultLang, stores.settings, opts.chat, logger);
  executor = new EffectExecutor({
    stores,
    chat: opts.chat,
    translator,
    languages,
    runnerSecret: opts.runnerSecret,
    retentionMs: opts.retentionMs,
    parentIntervalMs: opts.parentIntervalMs,
    ...(opts.channelPace ? { channelPace: opts.channelPace } : {}),
    logger,
    now,
  });
  const access = createAccessPolicy({ admins: opts.admins, adminGroup: opts.adminGroup, channels: opts.channels, groupTtlMs: opts.adminGroupTtlMs ?? 60_000, now }, opts.chat, logger);
  const deps: BotDeps = { stores, engine, chat: opts.chat, access, languages, translator, logger, now, runnerLostAfterMs: opts.policy.runnerLostAfterMs, breakGlassEnabled: opts.breakGlassEnabled };
  const consumer = new ResultConsumer({ stores, engine, runnerSecret: opts.runnerSecret, consumer: opts.consumerName, logger, now });
  const timers = new TimerLoop({ stores, engine, chat: opts.chat, translator, logger, now, parentIntervalMs: opts.parentIntervalMs, ...(opts.channelPace ? { channelPace: opts.channelPace } : {}), ...(opts.timerLeaseMs ? { leaseMs: opts.timerLeaseMs } : {}) });

  const abort = new AbortController();
  const consuming = consumer.run(abort.signal);
  const pollMs = opts.pollMs ?? 250;
  let ticking: Promise<void> = Promise.resolve();
  const tick = () => {
    ticking = (async () => {
      try {
        await timers.tick();
        await executor?.poll();
      } catch (err) {
        logger.error({ err }, 'background tick failed');
      }
    })();
  };
  const interval = setInterval(() => {
    void ticking.then(tick);
  }, pollMs);
  const exec = executor;
  return {
    deps,
    executor: exec,
    async stop() {
      clearInterval(interval);
      abort.abort();
      await Promise.allSettled([consuming, ticking]);
      await exec.settled();
    },
  };
}
