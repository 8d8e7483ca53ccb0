/**
 * Requests into the bot's HTTP receiver, shaped and signed as Slack sends them.
 *
 * Each builder starts from a real-shaped sample under test/fixtures/slack/ and overrides the
 * fields a test cares about; `sendToBot` signs the raw body with the v0 scheme and POSTs it.
 *
 * @example
 *   const res = await sendToBot(botUrl, slashCommand({ text: 'plan pool01', userId: 'U1', channelId: 'C1' }), { secret });
 *   expect(res.status).toBe(200);
 */
import { createHmac, randomBytes } from 'node:crypto';
import blockActionsSample from '../fixtures/slack/block-actions.json' with { type: 'json' };
import slashCommandSample from '../fixtures/slack/slash-command.json' with { type: 'json' };
import viewSubmissionSample from '../fixtures/slack/view-submission.json' with { type: 'json' };

export interface SlackSignatureHeaders {
  'x-slack-request-timestamp': string;
  'x-slack-signature': string;
}

/**
 * Slack's v0 signature: `v0=` + hex HMAC-SHA256 of `v0:${timestamp}:${rawBody}` keyed by the
 * app's signing secret.
 * @example signSlackRequest(secret, body, Math.floor(Date.now() / 1000))
 */
export function signSlackRequest(secret: string, rawBody: string, timestampSeconds: number): SlackSignatureHeaders {
  const digest = createHmac('sha256', secret).update(`v0:${timestampSeconds}:${rawBody}`).digest('hex');
  return { 'x-slack-request-timestamp': String(timestampSeconds), 'x-slack-signature': `v0=${digest}` };
}

export interface SlashCommandInput {
  text: string;
  userId: string;
  channelId: string;
  teamId?: string;
  command?: string;
  triggerId?: string;
  userName?: string;
  channelName?: string;
  /** Point it at `fake.responseUrl()` if the bot uses `respond()`; defaults to the sample's Slack URL. */
  responseUrl?: string;
}

/** A slash command as Slack posts it: a form-encoded body, fields in Slack's order. */
export function slashCommand(input: SlashCommandInput): string {
  const fields: Record<string, string> = {
    ...slashCommandSample,
    team_id: input.teamId ?? slashCommandSample.team_id,
    channel_id: input.channelId,
    channel_name: input.channelName ?? slashCommandSample.channel_name,
    user_id: input.userId,
    user_name: input.userName ?? slashCommandSample.user_name,
    command: input.command ?? '/cspatch',
    text: input.text,
    response_url: input.responseUrl ?? slashCommandSample.response_url,
    trigger_id: input.triggerId ?? newTriggerId(),
  };
  return new URLSearchParams(fields).toString();
}

export interface BlockActionInput {
  userId: string;
  channelId: string;
  actionId: string;
  value?: string;
  /** ts of the message holding the button (a `chat.postMessage` answer's `ts`). */
  messageTs?: string;
  blockId?: string;
  triggerId?: string;
  teamId?: string;
  /** Button label and style, as `buttons()` returns them, so `{ ...button }` can be spread in. */
  text?: string;
  style?: string;
  /** The clicked message as Slack echoes it (e.g. text/blocks from `fake.messages()`), merged over the sample's. */
  message?: Record<string, unknown>;
  /** A click in an ephemeral message: Slack marks the container and sends no `message`. */
  ephemeral?: boolean;
  responseUrl?: string;
}

/** A button click (`block_actions`), as `payload=<url-encoded JSON>`. */
export function blockAction(input: BlockActionInput): string {
  const messageTs = input.messageTs ?? blockActionsSample.container.message_ts;
  const teamId = input.teamId ?? blockActionsSample.team.id;
  const sampleAction = blockActionsSample.actions[0];
  const action: Record<string, unknown> = {
    ...sampleAction,
    action_id: input.actionId,
    block_id: input.blockId ?? sampleAction?.block_id,
    text: { type: 'plain_text', text: input.text ?? input.actionId, emoji: true },
    value: input.value,
    style: input.style,
    action_ts: slackTs(),
  };
  const payload: Record<string, unknown> = {
    ...blockActionsSample,
    user: { ...blockActionsSample.user, id: input.userId, team_id: teamId },
    team: { ...blockActionsSample.team, id: teamId },
    container: { ...blockActionsSample.container, message_ts: messageTs, channel_id: input.channelId, is_ephemeral: Boolean(input.ephemeral) },
    trigger_id: input.triggerId ?? newTriggerId(),
    channel: { ...blockActionsSample.channel, id: input.channelId },
    message: input.ephemeral ? undefined : { ...blockActionsSample.message, ...input.message, ts: messageTs },
    response_url: input.responseUrl ?? blockActionsSample.response_url,
    actions: [action],
  };
  return formPayload(payload);
}

export interface SelectedOption {
  text: { type: 'plain_text'; text: string; emoji?: boolean };
  value: string;
}

/** One element's state, as in `view.state.values[blockId][actionId]`. */
export interface ViewStateValue {
  type: string;
  value?: string | null;
  selected_option?: SelectedOption | null;
  selected_options?: SelectedOption[];
  selected_user?: string | null;
  selected_users?: string[];
  selected_conversation?: string | null;
  selected_channel?: string | null;
  selected_date?: string | null;
  selected_time?: string | null;
}

export type ViewStateValues = Record<string, Record<string, ViewStateValue>>;

export interface ViewSubmissionInput {
  userId: string;
  callbackId: string;
  privateMetadata: string;
  values: ViewStateValues;
  viewId?: string;
  teamId?: string;
  triggerId?: string;
  /** The modal's blocks as opened (e.g. from `fake.views()`); defaults to the sample's. */
  blocks?: unknown[];
}

/** A modal submission (`view_submission`), as `payload=<url-encoded JSON>`. */
export function viewSubmission(input: ViewSubmissionInput): string {
  const teamId = input.teamId ?? viewSubmissionSample.team.id;
  const viewId = input.viewId ?? viewSubmissionSample.view.id;
  const payload = {
    ...viewSubmissionSample,
    team: { ...viewSubmissionSample.team, id: teamId },
    user: { ...viewSubmissionSample.user, id: input.userId, team_id: teamId },
    trigger_id: input.triggerId ?? newTriggerId(),
    view: {
      ...viewSubmissionSample.view,
      id: viewId,
      root_view_id: viewId,
      team_id: teamId,
      app_installed_team_id: teamId,
      callback_id: input.callbackId,
      private_metadata: input.privateMetadata,
      blocks: input.blocks ?? viewSubmissionSample.view.blocks,
      state: { values: input.values },
    },
  };
  return formPayload(payload);
}

export interface SendOptions {
  secret: string;
  /** Seconds; defaults to now. */
  timestamp?: number;
  /** Sign with a wrong secret (well-formed `v0=` header that does not verify). */
  badSignature?: boolean;
  /** Sign correctly, but 10 minutes in the past (Slack's window is 5). */
  stale?: boolean;
  /** Send no `x-slack-signature` header at all. */
  noSignature?: boolean;
  /** `X-Slack-Retry-Num` / `X-Slack-Retry-Reason`, as on Slack's redeliveries. */
  retryNum?: number;
  retryReason?: string;
}

export interface BotResponse {
  status: number;
  text: string;
  /** The body parsed, when the bot answered JSON (e.g. an `ack({ response_action })`). */
  json?: Record<string, unknown>;
}

/** POSTs `body` to `${baseUrl}/slack/events` with Slack's headers. */
export async function sendToBot(baseUrl: string, body: string, opts: SendOptions): Promise<BotResponse> {
  const now = Math.floor(Date.now() / 1000);
  const timestamp = opts.stale ? now - 600 : (opts.timestamp ?? now);
  const signed = signSlackRequest(opts.badSignature ? `${opts.secret}-wrong` : opts.secret, body, timestamp);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    'x-slack-request-timestamp': signed['x-slack-request-timestamp'],
  };
  if (!opts.noSignature) headers['x-slack-signature'] = signed['x-slack-signature'];
  if (opts.retryNum !== undefined) headers['x-slack-retry-num'] = String(opts.retryNum);
  if (opts.retryReason !== undefined) headers['x-slack-retry-reason'] = opts.retryReason;

  const res = await fetch(`${baseUrl.replace(/\/+$/, '')}/slack/events`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, text, json: parseJsonObject(res.headers.get('content-type'), text) };
}

function parseJsonObject(contentType: string | null, text: string): Record<string, unknown> | undefined {
  if (!contentType?.includes('application/json') || text === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function formPayload(payload: object): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

let triggerSeq = 0;
/** Shaped like Slack's: `<digits>.<team digits>.<32 hex>`, unique per call (views.open accepts each once). */
function newTriggerId(): string {
  triggerSeq += 1;
  return `${7718364920115 + triggerSeq}.2148335467.${randomBytes(16).toString('hex')}`;
}

function slackTs(): string {
  return (Date.now() / 1000).toFixed(6);
}
