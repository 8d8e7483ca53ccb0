import { startNode, type ChildHandle } from './child.js';
import { ADMINS, BOT_TOKEN, MASTER_SECRET, REDIS_URL, SIGNING_SECRET } from './bench-env.js';
import { CLI } from './paths.js';

export interface BotProcess {
  readonly handle: ChildHandle;
  readonly baseUrl: string;
}

/**
 * `cspatch bot` as a child process, configured like production except for the loopback Slack
 * and Redis: default parent-update interval, info logging (to a pipe the parent drains).
 */
export async function startBenchBot(opts: { prefix: string; slackApiUrl: string; env?: Record<string, string> }): Promise<BotProcess> {
  const handle = startNode(CLI, ['bot'], {
    PATH: process.env.PATH ?? '',
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: opts.slackApiUrl,
    PORT: '0',
    REDIS_URL,
    CSPATCH_PREFIX: opts.prefix,
    CSPATCH_RUNNER_SECRET: MASTER_SECRET,
    CSPATCH_ADMINS: ADMINS.join(','),
    CSPATCH_BOT_ID: 'bot-bench',
    LOG_LEVEL: 'info',
    ...opts.env,
  });
  const m = await handle.waitFor(/"port":(\d+)[^\n]*cspatch bot listening/, 'the bot to listen');
  return { handle, baseUrl: `http://127.0.0.1:${m[1]}` };
}
