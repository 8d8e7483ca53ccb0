import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { deriveRunnerKey } from '../core/signing.js';
import { MASTER_SECRET, REDIS_URL, sleep } from './bench-env.js';
import { startNode, type ChildHandle } from './child.js';
import { CLI, INSTANT_POWERSHELL } from './paths.js';

/**
 * A real `cspatch runner` process for benchmark (b), with the instant PowerShell and its journal
 * in `journalDir`; resolves once it is registered and its start-up detection is over.
 */
export async function startRelayRunner(redis: Redis, prefix: string, server: string, journalDir: string): Promise<ChildHandle> {
  const runner = startNode(CLI, ['runner', '--server', server], {
    PATH: process.env.PATH ?? '',
    REDIS_URL,
    CSPATCH_PREFIX: prefix,
    CSPATCH_RUNNER_SECRET: deriveRunnerKey(MASTER_SECRET, server),
    CSPATCH_POWERSHELL: INSTANT_POWERSHELL,
    CSPATCH_JOURNAL: join(journalDir, `journal-${server}.json`),
    LOG_LEVEL: 'info',
  });
  await runner.waitFor(/facts detected|fact detection/, `the runner of ${server} to finish its start-up detection`);
  for (let i = 0; (await redis.zscore(`${prefix}:runners`, server)) === null; i++) {
    if (i > 200) throw new Error(`the runner of ${server} did not register`);
    await sleep(50);
  }
  return runner;
}
