import { App, LogLevel } from '@slack/bolt';
import type { BotConfig } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import type { BotDeps } from '../core/bot-deps.js';
import { handleAction, checkConfirmSubmit } from '../core/handle-action.js';
import { handleCommand } from '../core/handle-command.js';
import { CONFIRM_CALLBACK } from '../views/blocks.js';
import { readConfirmation } from '../views/confirm-modal.js';

const BOLT_LEVEL: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

/**
 * The Slack edge: Socket Mode with SLACK_APP_TOKEN, else HTTP on PORT at POST /slack/events.
 * Every handler acknowledges first (Slack allows three seconds) and works afterwards.
 */
export function createSlackApp(config: BotConfig, deps: BotDeps, logger: Logger): App {
  const app = new App({
    token: config.SLACK_BOT_TOKEN,
    signingSecret: config.SLACK_SIGNING_SECRET,
    ...(config.SLACK_APP_TOKEN ? { socketMode: true, appToken: config.SLACK_APP_TOKEN } : { port: config.PORT }),
    ...(config.SLACK_API_URL ? { clientOptions: { slackApiUrl: config.SLACK_API_URL } } : {}),
    logLevel: BOLT_LEVEL[config.LOG_LEVEL] ?? LogLevel.INFO,
  });

  const background = (what: string, work: Promise<unknown>) =>
    work.catch((err: unknown) => logger.error({ err, what }, 'handler failed after ack'));

  app.command('/cspatch', async ({ command, ack }) => {
    await ack();
    await background('command', handleCommand(deps, { user: command.user_id, channel: command.channel_id, triggerId: command.trigger_id }, command.text ?? ''));
  });

  app.action(/^cspatch_/, async ({ body, action, ack }) => {
    await ack();
    if (body.type !== 'block_actions' || action.type !== 'button' || !('action_id' in action)) return;
    const channel = body.channel?.id ?? body.container?.channel_id ?? '';
    await background(
      'action',
      handleAction(deps, { user: body.user.id, channel, triggerId: body.trigger_id ?? null }, { actionId: action.action_id, value: action.value ?? '', actionTs: action.action_ts }),
    );
  });

  app.view(CONFIRM_CALLBACK, async ({ ack, body, view }) => {
    const input = readConfirmation(view.state.values as Parameters<typeof readConfirmation>[0]);
    const result = await checkConfirmSubmit(deps, body.user.id, view.private_metadata, input);
    if ('errors' in result) {
      await ack({ response_action: 'errors', errors: result.errors });
      return;
    }
    await ack();
    await background('confirm', result.apply());
  });

  app.error(async (err) => {
    logger.error({ err }, 'Bolt error');
  });
  return app;
}
