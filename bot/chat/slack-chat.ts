import { webApi, type types } from '@slack/bolt';
import { ChatError, type Blocks, type Chat } from './chat.js';

const RETRYABLE_PLATFORM_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** Maps a Web API failure to retry or give up; the outbox does the waiting, not the client. */
export function toChatError(err: unknown): ChatError {
  const e = err as { code?: string; retryAfter?: number; statusCode?: number; data?: { error?: string }; message?: string };
  switch (e.code) {
    case webApi.ErrorCode.RateLimitedError:
      return new ChatError('rate limited', true, (e.retryAfter ?? 1) * 1000, 'ratelimited');
    case webApi.ErrorCode.HTTPError:
      return new ChatError(`HTTP ${e.statusCode}`, (e.statusCode ?? 500) >= 500 || e.statusCode === 429, null, null);
    case webApi.ErrorCode.RequestError:
      return new ChatError(e.message ?? 'request failed', true, null, null);
    case webApi.ErrorCode.PlatformError: {
      const code = e.data?.error ?? 'unknown';
      return new ChatError(`Slack said ${code}`, RETRYABLE_PLATFORM_ERRORS.has(code), null, code);
    }
    default:
      return new ChatError(e.message ?? String(err), true, null, null);
  }
}

export interface SlackChatOptions {
  readonly token: string;
  readonly slackApiUrl?: string;
  /** per-call timeout; a hung Slack call becomes a retryable failure */
  readonly timeoutMs?: number;
}

/** Chat over Slack's Web API, with retries left to the durable outbox. */
export function createSlackChat(opts: SlackChatOptions): Chat {
  const client = new webApi.WebClient(opts.token, {
    ...(opts.slackApiUrl ? { slackApiUrl: opts.slackApiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: opts.timeoutMs ?? 10000,
  });
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toChatError(err);
    }
  };
  return {
    async post(channel: string, blocks: Blocks, text: string, threadTs?: string) {
      const res = await call(() => client.chat.postMessage({ channel, blocks, text, ...(threadTs ? { thread_ts: threadTs } : {}), unfurl_links: false, unfurl_media: false }));
      return { ts: String(res.ts) };
    },
    async update(channel: string, ts: string, blocks: Blocks, text: string) {
      await call(() => client.chat.update({ channel, ts, blocks, text }));
    },
    async ephemeral(channel: string, user: string, blocks: Blocks, text: string, threadTs?: string) {
      await call(() => client.chat.postEphemeral({ channel, user, blocks, text, ...(threadTs ? { thread_ts: threadTs } : {}) }));
    },
    async openModal(triggerId: string, view: types.ModalView) {
      await call(() => client.views.open({ trigger_id: triggerId, view }));
    },
    async userLocale(user: string) {
      const res = await call(() => client.users.info({ user, include_locale: true }));
      return res.user?.locale ?? null;
    },
    async groupMembers(groupId: string) {
      const res = await call(() => client.usergroups.users.list({ usergroup: groupId }));
      return res.users ?? [];
    },
  };
}
