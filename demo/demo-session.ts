import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StepId } from '../commands/catalog.js';
import { startBotService, type BotService } from '../bot/core/bot-service.js';
import { policyFromConfig } from '../bot/core/policy-from-config.js';
import type { Lang } from '../bot/i18n/translator.js';
import { loadBotConfig, loadRunnerConfig } from '../core/config.js';
import { deriveRunnerKey } from '../core/signing.js';
import { createAgent, type Agent } from '../runners/agent.js';
import type { Stores } from '../store/ports.js';
import { ActivityProbe } from './activity-probe.js';
import { ConsoleChat } from './console-chat.js';
import { createDemoLogger } from './demo-logger.js';
import { openDemoStores } from './demo-stores.js';
import { effectsSettled, runsIdle } from './run-idle.js';
import { DEMO_SERVER, FAKE_POWERSHELL, writeSimServer } from './sim-server.js';
import { DEMO_ADMINS, userIdOf } from './users.js';

/** The one channel of the demo. */
export const DEMO_CHANNEL = { id: 'CPATCHING', name: 'patching' } as const;

export interface DemoOptions {
  readonly lang: Lang;
  readonly failStep: StepId | null;
  readonly redisUrl: string | undefined;
  readonly prefix: string | undefined;
  readonly verbose: boolean;
  readonly print: (text: string) => void;
}

export interface DemoSession {
  readonly service: BotService;
  readonly chat: ConsoleChat;
  /** what the stores are, for the banner */
  readonly storeDescription: string;
  /** Waits until every run waits for a person or has ended, its messages all shown; false on timeout or abort. */
  waitIdle(timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Waits until the effects of what was just done have reached the chat. */
  settle(timeoutMs: number): Promise<boolean>;
  /** Stops the runner and the bot, closes the stores (removing Redis keys) and the temp folder. */
  stop(): Promise<void>;
}

/** How long the demo waits for its own runner to register before giving up. */
const REGISTER_TIMEOUT_MS = 30_000;

/**
 * Everything behind the console: the real bot service and the real runner agent, in this
 * process, on one set of stores, against the simulated server. Nothing here decides anything a
 * run does; it only wires the parts the way `cspatch bot` and `cspatch runner` wire them.
 */
export async function startDemoSession(opts: DemoOptions): Promise<DemoSession> {
  const logger = createDemoLogger(opts.verbose);
  const dir = mkdtempSync(join(tmpdir(), 'cspatch-demo-'));
  const cleanups: Array<() => Promise<void>> = [async () => rmSync(dir, { recursive: true, force: true })];
  // Newest first, and each one even if another failed: the temp folder goes last, whatever happens.
  const cleanup = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        logger.error({ err }, 'demo cleanup step failed');
      }
    }
  };
  try {
    const opened = await openDemoStores(opts.redisUrl, opts.prefix);
    cleanups.push(() => opened.close());
    const probe = new ActivityProbe();
    const stores: Stores = probe.wrap(opened.stores);
    const chat = new ConsoleChat({ print: opts.print, onActivity: () => probe.notify(), channelName: (id) => (id === DEMO_CHANNEL.id ? `#${DEMO_CHANNEL.name}` : id) });

    // A fresh master secret each session; the runner gets the key derived for its server, as in production.
    const master = `demo-${randomBytes(16).toString('hex')}`;
    const storeEnv = opened.redis ? { REDIS_URL: opened.redis.url, CSPATCH_PREFIX: opened.redis.prefix } : {};
    // Production defaults from the production loader; the Slack values are placeholders never used.
    const botConfig = loadBotConfig({
      ...storeEnv,
      SLACK_BOT_TOKEN: 'xoxb-demo-unused',
      SLACK_SIGNING_SECRET: 'demo-unused',
      CSPATCH_RUNNER_SECRET: master,
      CSPATCH_ADMINS: DEMO_ADMINS.map((n) => userIdOf(n)).join(','),
      CSPATCH_LANG: opts.lang,
      // Quick refreshes of the thread parent: there is no Slack rate limit to respect here.
      CSPATCH_PARENT_UPDATE_INTERVAL: '0.2',
    });
    const runnerConfig = loadRunnerConfig(
      {
        ...storeEnv,
        CSPATCH_RUNNER_SECRET: deriveRunnerKey(master, DEMO_SERVER),
        CSPATCH_POWERSHELL: FAKE_POWERSHELL,
        CSPATCH_JOURNAL: join(dir, 'journal.json'),
        CSPATCH_HEARTBEAT: '2',
      },
      DEMO_SERVER,
    );
    const stepEnv = writeSimServer(dir, opts.failStep);

    const service = await startBotService({
      stores,
      chat,
      logger,
      policy: policyFromConfig(botConfig),
      runnerSecret: master,
      admins: botConfig.CSPATCH_ADMINS,
      adminGroup: undefined,
      channels: [],
      defaultLang: botConfig.CSPATCH_LANG,
      breakGlassEnabled: false,
      retentionMs: botConfig.CSPATCH_RETENTION,
      parentIntervalMs: botConfig.CSPATCH_PARENT_UPDATE_INTERVAL,
      consumerName: 'demo-bot',
      pollMs: 50,
    });

    let agent: Agent | null = null;
    let running: Promise<void> = Promise.resolve();
    // The runner is told first (it finishes a step in hand), then the bot stops, then both are awaited.
    cleanups.push(async () => {
      agent?.stop();
      await service.stop();
      await running;
    });
    agent = createAgent({ config: runnerConfig, stores, logger, stepEnv });
    running = agent.run().catch((err: unknown) => logger.error({ err }, 'the demo runner failed'));

    // Registered with what it detected, so that /cspatch runners already shows the product.
    const registered = await probe.until(async () => Boolean((await opened.stores.runners.get(DEMO_SERVER))?.facts), REGISTER_TIMEOUT_MS);
    if (!registered) throw new Error(`the demo runner for ${DEMO_SERVER} did not report its facts within ${REGISTER_TIMEOUT_MS / 1000} s (run with --verbose to see its log)`);

    return {
      service,
      chat,
      storeDescription: opened.description,
      waitIdle: (timeoutMs, signal) => probe.until(() => runsIdle(opened.stores, probe), timeoutMs, signal),
      settle: (timeoutMs) => probe.until(() => effectsSettled(opened.stores, probe), timeoutMs),
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
