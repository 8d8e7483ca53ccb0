import type { types } from '@slack/bolt';

export type Blocks = types.KnownBlock[];

/** The narrow chat interface the bot's effects use: Slack in production, the console in the demo. */
export interface Chat {
  post(channel: string, blocks: Blocks, text: string, threadTs?: string): Promise<{ ts: string }>;
  update(channel: string, ts: string, blocks: Blocks, text: string): Promise<void>;
  ephemeral(channel: string, user: string, blocks: Blocks, text: string, threadTs?: string): Promise<void>;
  openModal(triggerId: string, view: types.ModalView): Promise<void>;
  /** the user's locale, e.g. de-DE, or null when unknown */
  userLocale(user: string): Promise<string | null>;
  /** members of a user group, for CSPATCH_ADMIN_GROUP */
  groupMembers(groupId: string): Promise<string[]>;
}

/** A failed chat call: `retryable` ones go back to the outbox, others are logged and dropped. */
export class ChatError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs: number | null,
    readonly slackError: string | null,
  ) {
    super(message);
    this.name = 'ChatError';
  }
}
