import { App, HTTPReceiver, LogLevel, type Receiver, type ReceiverEvent, type ReceiverProcessEventErrorHandlerArgs } from '@slack/bolt';
import type { BotConfig } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import type { BotDeps } from '../core/bot-deps.js';
import { handleAction, checkConfirmSubmit } from '../core/handle-action.js';
import { handleCommand } from '../core/handle-command.js';
import { CONFIRM_CALLBACK } from '../views/blocks.js';
import { readConfirmation } from '../views/confirm-modal.js';
import { acceptedBody } from './accepted-body.js';

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
 * Bolt's App, with one gate in front of its routing: a verified body that is not one of the shapes
 * cspatch handles is acknowledged and dropped here (Bolt would leave it unanswered for three
 * seconds, or trip over a missing field). Applies to HTTP and Socket Mode alike.
 */
class CspatchApp extends App {
  constructor(
    options: ConstructorParameters<typeof App>[0],
    private readonly log: Logger,
  ) {
    super(options);
  }

  override async processEvent(event: ReceiverEvent): Promise<void> {
    if (acceptedBody(event.body) === null) {
      this.log.warn({ keys: Object.keys(event.body ?? {}).slice(0, 10) }, 'dropped a request body cspatch does not handle');
      await event.ack();
      return;
    }
    return super.processEvent(event);
  }
}

/** A request that failed before anything answered it was malformed: 400, not Bolt's 500. */
async function answerMalformed(logger: Logger, args: ReceiverProcessEventErrorHandlerArgs): Promise<boolean> {
  logger.warn({ err: args.error.message }, 'request failed before it was acknowledged');
  if (!args.response.headersSent) {
    args.response.writeHead(400);
    args.response.end();
  }
  return false;
}

/**
 * The Slack edge: Socket Mode with SLACK_APP_TOKEN, else HTTP on PORT at POST /slack/events
 * (signature and its five-minute window checked by Bolt's receiver: 401 otherwise).
 * Every handler acknowledges first (Slack allows three seconds) and works afterwards.
 */
export function createSlackApp(config: BotConfig, deps: BotDeps, logger: Logger, receiver?: Receiver): App {
  const logLevel = BOLT_LEVEL[config.LOG_LEVEL] ?? LogLevel.INFO;
  const app = new CspatchApp(
    {
      token: config.SLACK_BOT_TOKEN,
      // A receiver handed in (tests feeding envelopes as Socket Mode delivers them) wins.
      ...(receiver
        ? { receiver }
        : config.SLACK_APP_TOKEN
        ? { socketMode: true, appToken: config.SLACK_APP_TOKEN, signingSecret: config.SLACK_SIGNING_SECRET }
        : {
            receiver: new HTTPReceiver({
              signingSecret: config.SLACK_SIGNING_SECRET,
              port: config.PORT,
              logLevel,
              processEventErrorHandler: (args) => answerMalformed(logger, args),
            }),
          }),
      ...(config.SLACK_API_URL ? { clientOptions: { slackApiUrl: config.SLACK_API_URL } } : {}),
      logLevel,
    },
    logger,
  );

  const background = (what: string, work: Promise<unknown>) =>
    work.catch((err: unknown) => logger.error({ err, what }, 'handler failed after ack'));

  app.command('/cspatch', async ({ command, ack }) => {
    await ack();
    await background('command', handleCommand(deps, { user: command.user_id, channel: command.channel_id, triggerId: command.trigger_id || null }, command.text ?? ''));
  });

  app.action(/^cspatch_/, async ({ body, action, ack }) => {
    await ack();
    if (body.type !== 'block_actions' || action.type !== 'button' || !('action_id' in action)) return;
    const channel = body.channel?.id ?? body.container?.channel_id ?? '';
    await background(
      'action',
      handleAction(deps, { user: body.user.id, channel, triggerId: body.trigger_id ?? null }, { actionId: action.action_id, value: action.value ?? '', actionTs: action.action_ts ?? '' }),
    );
  });

  app.view(CONFIRM_CALLBACK, async ({ ack, body, view }) => {
    let result: Awaited<ReturnType<typeof checkConfirmSubmit>>;
    try {
      result = await checkConfirmSubmit(deps, body.user.id, view.private_metadata, readConfirmation(view.state.values), body.type === 'view_submission' ? body.trigger_id : undefined);
    } catch (err) {
      // Redis unreachable, say: close the modal rather than leave Slack waiting; the run is unchanged.
      logger.error({ err }, 'checking a confirmation failed');
      await ack();
      return;
    }
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
