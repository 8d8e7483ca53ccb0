/**
 * Starts `cspatch bot` as a real process against the fake Slack Web API and the real Redis, and
 * drives it with requests signed the way Slack signs them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI, TEST_MASTER } from './runner.js';
import { TEST_REDIS_URL } from './redis.js';
import { sendToBot, slashCommand, blockAction, viewSubmission, type ViewStateValues } from './slack-requests.js';

export const SIGNING_SECRET = 'test-signing-secret-abcdef0123456789';
export const BOT_TOKEN = 'xoxb-test-token';

export interface BotHandle {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  command(user: string, channel: string, text: string): Promise<{ status: number; text: string }>;
  click(user: string, channel: string, button: { actionId: string; value?: string }, triggerId?: string): Promise<{ status: number; text: string }>;
  submit(user: string, runId: string, values: ViewStateValues): Promise<{ status: number; text: string; json?: Record<string, unknown> }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartBotOptions {
  readonly prefix: string;
  readonly slackApiUrl: string;
  readonly admins?: string;
  readonly env?: Record<string, string>;
}

const started: BotHandle[] = [];

export async function startBot(opts: StartBotOptions): Promise<BotHandle> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: opts.slackApiUrl,
    PORT: '0',
    REDIS_URL: TEST_REDIS_URL,
    CSPATCH_PREFIX: opts.prefix,
    CSPATCH_RUNNER_SECRET: TEST_MASTER,
    CSPATCH_ADMINS: opts.admins ?? 'UADMIN1,UADMIN2,UADMIN3',
    CSPATCH_PARENT_UPDATE_INTERVAL: '0.2',
    CSPATCH_BOT_ID: 'bot-test',
    // Unpaced unless a test says otherwise: pacing has its own test (test/bot/pacing.test.ts).
    CSPATCH_CHANNEL_RATE: '1000',
    CSPATCH_CHANNEL_BURST: '1000',
    LOG_LEVEL: 'info',
    ...opts.env,
  };
  const child = spawn(process.execPath, [CLI, 'bot'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bot did not start:\n${text}`)), 20_000);
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const m = /"port":(\d+)[^\n]*cspatch bot listening/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((e) => {
      clearTimeout(timer);
      reject(new Error(`bot exited ${JSON.stringify(e)}:\n${text}`));
    });
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const handle: BotHandle = {
    child,
    baseUrl,
    exited,
    output: () => text,
    command: (user, channel, t) => sendToBot(baseUrl, slashCommand({ text: t, userId: user, channelId: channel }), { secret: SIGNING_SECRET }),
    click: (user, channel, button, triggerId) =>
      sendToBot(baseUrl, blockAction({ userId: user, channelId: channel, actionId: button.actionId, value: button.value ?? '', ...(triggerId ? { triggerId } : {}) }), { secret: SIGNING_SECRET }),
    submit: (user, runId, values) =>
      sendToBot(baseUrl, viewSubmission({ userId: user, callbackId: 'cspatch_confirm', privateMetadata: runId, values }), { secret: SIGNING_SECRET }),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  started.push(handle);
  return handle;
}

export async function cleanupBots(): Promise<void> {
  for (const b of started.splice(0)) {
    if (b.child.exitCode === null && b.child.signalCode === null) {
      b.child.kill('SIGKILL');
      await b.exited;
    }
  }
}

/** The confirmation form's values, as Slack sends view.state.values. */
export function confirmValues(v: { product: string; edition: string; collocated: boolean; sql?: string; packagePath: string; ack?: boolean }): ViewStateValues {
  return {
    product: { product: { type: 'static_select', selected_option: { value: v.product, text: { type: 'plain_text', text: v.product } } } },
    edition: { edition: { type: 'radio_buttons', selected_option: { value: v.edition, text: { type: 'plain_text', text: v.edition } } } },
    collocated: { collocated: { type: 'checkboxes', selected_options: v.collocated ? [{ value: 'yes', text: { type: 'plain_text', text: 'yes' } }] : [] } },
    sql: { sql: { type: 'plain_text_input', value: v.sql ?? null } },
    package: { package: { type: 'plain_text_input', value: v.packagePath } },
    ack: { ack: { type: 'checkboxes', selected_options: v.ack ? [{ value: 'yes', text: { type: 'plain_text', text: 'yes' } }] : [] } },
  } as ViewStateValues;
}
