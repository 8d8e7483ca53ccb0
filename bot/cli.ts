import { hostname } from 'node:os';
import { loadBotConfig } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { createRedisStores } from '../store/redis/create-redis-stores.js';
import { createSlackChat } from './chat/slack-chat.js';
import { startBotService } from './core/bot-service.js';
import { policyFromConfig } from './core/policy-from-config.js';
import { createSlackApp } from './slack/slack-app.js';

type Env = Record<string, string | undefined>;

/**
 * `cspatch bot`. First SIGINT/SIGTERM: stop taking requests and finish what is in hand; a second
 * one exits at once. Runs and their effects are in Redis, so a restart carries on where it stopped.
 */
export async function botMain(args: string[], env: Env): Promise<number> {
  if (args.length > 0) {
    process.stderr.write('usage: cspatch bot   (configured by environment variables; see the README)\n');
    return 64;
  }
  const config = loadBotConfig(env);
  const logger = createLogger('cspatch-bot', config.LOG_LEVEL);
  const stores = createRedisStores({ redisUrl: config.REDIS_URL, prefix: config.CSPATCH_PREFIX, connectionName: 'cspatch-bot' });
  const chat = createSlackChat({
    token: config.SLACK_BOT_TOKEN,
    timeoutMs: config.CSPATCH_SLACK_TIMEOUT,
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
  });
  const service = await startBotService({
    stores,
    chat,
    logger,
    policy: policyFromConfig(config),
    runnerSecret: config.CSPATCH_RUNNER_SECRET,
    admins: config.CSPATCH_ADMINS,
    adminGroup: config.CSPATCH_ADMIN_GROUP,
    adminGroupTtlMs: config.CSPATCH_ADMIN_GROUP_TTL,
    channels: config.CSPATCH_CHANNELS,
    defaultLang: config.CSPATCH_LANG,
    breakGlassEnabled: config.CSPATCH_BREAK_GLASS,
    retentionMs: config.CSPATCH_RETENTION,
    parentIntervalMs: config.CSPATCH_PARENT_UPDATE_INTERVAL,
    channelPace: { intervalMs: 1000 / config.CSPATCH_CHANNEL_RATE, burst: config.CSPATCH_CHANNEL_BURST },
    consumerName: config.CSPATCH_BOT_ID ?? `bot-${hostname()}`,
    // A timer's fire is at most one Slack call plus a few Redis commands.
    timerLeaseMs: Math.max(5000, 2 * config.CSPATCH_SLACK_TIMEOUT),
  });
  const app = createSlackApp(config, service.deps, logger);
  const server = await app.start();
  const address = server && typeof server === 'object' && 'address' in server ? (server as { address(): unknown }).address() : null;
  const port = address && typeof address === 'object' && 'port' in address ? (address as { port: number }).port : null;
  logger.info({ port, socketMode: Boolean(config.SLACK_APP_TOKEN) }, 'cspatch bot listening');

  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        resolve(130);
        return;
      }
      stopping = true;
      logger.info({ signal }, 'stopping: finishing work in hand');
      void (async () => {
        await app.stop().catch((err: unknown) => logger.warn({ err }, 'stopping the Slack app'));
        await service.stop();
        await stores.close();
        resolve(0);
      })();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
