import { constants } from 'node:os';
import { loadRunnerConfig } from '../core/config.js';
import { coerceError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { createRedisStores } from '../store/redis/create-redis-stores.js';
import { createAgent } from './agent.js';
import { parseRunnerArgs } from './parse-args.js';
import { onStopSignals } from './stop-signals.js';

type Env = Record<string, string | undefined>;

/** After a forced stop, how long reporting `interrupted` may take before the process gives up on it (the journal keeps it for the next start). */
const FORCED_EXIT_GRACE_MS = 10_000;

function within(ms: number, work: Promise<unknown>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void work.catch(() => undefined).finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * `cspatch runner --server <fqdn>`: the agent on a Windows server. Resolves with the exit code:
 * 0 after a graceful stop, 128 + signal number after a forced one.
 *
 * @example process.exitCode = await runnerMain(['--server', 'be01.contoso.com'], process.env)
 */
export async function runnerMain(args: string[], env: Env): Promise<number> {
  const parsed = parseRunnerArgs(args);
  if ('usage' in parsed) {
    (parsed.help ? process.stdout : process.stderr).write(`${parsed.usage}\n`);
    return parsed.help ? 0 : 64;
  }
  const config = loadRunnerConfig(env, parsed.server);
  const logger = createLogger('cspatch-runner', config.LOG_LEVEL);
  // The runner's Redis user may run only what docs/runner-acl.md grants: no INFO, so no ready check.
  const stores = createRedisStores({ redisUrl: config.REDIS_URL, prefix: config.CSPATCH_PREFIX, connectionName: `cspatch-runner:${config.server}`, readyCheck: false });
  const agent = createAgent({ config, stores, logger });
  let forcedBy: NodeJS.Signals | null = null;
  let graceTimer: NodeJS.Timeout | undefined;
  let startGrace: () => void = () => undefined;
  // Normally run() ends by itself; after a forced stop it gets a bounded time to report.
  const graceOver = new Promise<void>((resolve) => {
    startGrace = () => {
      graceTimer ??= setTimeout(resolve, FORCED_EXIT_GRACE_MS);
    };
  });

  const removeSignals = onStopSignals({
    first(signal) {
      logger.info({ signal }, 'stopping: no new jobs; the current step finishes and is reported (send the signal again to kill it)');
      agent.stop();
    },
    again(signal) {
      forcedBy ??= signal;
      logger.warn({ signal }, 'stopping now: killing the current step');
      agent.forceStop();
      startGrace();
    },
  });

  try {
    await Promise.race([agent.run(), graceOver]);
  } catch (err) {
    logger.fatal({ err: coerceError(err).message }, 'runner failed');
    throw err;
  } finally {
    clearTimeout(graceTimer);
    removeSignals();
    await within(5000, stores.close());
  }
  return forcedBy ? 128 + constants.signals[forcedBy] : 0;
}
