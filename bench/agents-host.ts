#!/usr/bin/env node
/**
 * Benchmark (c)'s runners: one process hosting an agent per simulated server (createAgent, the
 * runner's own loop), all on one shared Redis store, so 200 servers cost one process instead of
 * 200. It runs apart from the benchmark so its CPU does not slow the fake Slack being measured.
 *
 * Usage: node agents-host.js '<json: { redisUrl, prefix, master, servers, powershell, journalDir }>'
 * First SIGTERM stops every agent after its current step; the process then exits 0.
 */
import { join } from 'node:path';
import { loadRunnerConfig } from '../core/config.js';
import { createLogger } from '../core/logger.js';
import { deriveRunnerKey } from '../core/signing.js';
import { createAgent } from '../runners/agent.js';
import { createRedisStores } from '../store/redis/create-redis-stores.js';

interface HostOptions {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly master: string;
  readonly servers: readonly string[];
  readonly powershell: string;
  readonly journalDir: string;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as HostOptions;
// Only warnings: 200 agents logging every step would measure pino, not the relay.
const logger = createLogger('cspatch-bench-agents', 'warn');
const stores = createRedisStores({ redisUrl: opts.redisUrl, prefix: opts.prefix, connectionName: 'cspatch-bench-agents' });
const agents = opts.servers.map((server) =>
  createAgent({
    config: loadRunnerConfig(
      {
        REDIS_URL: opts.redisUrl,
        CSPATCH_PREFIX: opts.prefix,
        CSPATCH_RUNNER_SECRET: deriveRunnerKey(opts.master, server),
        CSPATCH_POWERSHELL: opts.powershell,
        CSPATCH_JOURNAL: join(opts.journalDir, `journal-${server}.json`),
      },
      server,
    ),
    stores,
    logger,
  }),
);
const running = agents.map((a) => a.run());
process.stdout.write(`${JSON.stringify({ msg: 'agents started', count: agents.length })}\n`);

process.once('SIGTERM', () => {
  for (const a of agents) a.stop();
  void Promise.allSettled(running)
    .then(() => stores.close())
    .then(() => process.exit(0));
});
