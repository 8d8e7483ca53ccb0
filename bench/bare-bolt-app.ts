#!/usr/bin/env node
/**
 * The baseline of benchmark (a): a bare Bolt app that answers `/cspatch` with an immediate ack
 * and does nothing else. Built like the bot's app (HTTP receiver, same Web API client options,
 * same log level) so the difference measured is what cspatch adds in front of the ack.
 *
 * This is its own program, so it reads its own environment variables.
 */
import { App, LogLevel } from '@slack/bolt';

const env = process.env;
const app = new App({
  token: env.SLACK_BOT_TOKEN ?? '',
  signingSecret: env.SLACK_SIGNING_SECRET ?? '',
  port: 0,
  ...(env.SLACK_API_URL ? { clientOptions: { slackApiUrl: env.SLACK_API_URL } } : {}),
  logLevel: LogLevel.INFO,
});

app.command('/cspatch', async ({ ack }) => {
  await ack();
});

const server = await app.start();
const address = server && typeof server === 'object' && 'address' in server ? (server as { address(): unknown }).address() : null;
const port = address && typeof address === 'object' && 'port' in address ? (address as { port: number }).port : null;
process.stdout.write(`${JSON.stringify({ port, msg: 'bare bolt app listening' })}\n`);

const stop = () => {
  app.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
