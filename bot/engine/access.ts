import type { Logger } from '../../core/logger.js';
import type { Chat } from '../chat/chat.js';

export interface AccessPolicy {
  isAdmin(user: string): Promise<boolean>;
  channelAllowed(channel: string): boolean;
}

export interface AccessOptions {
  readonly admins: readonly string[];
  readonly adminGroup: string | undefined;
  readonly channels: readonly string[];
  /** how long a user group's membership is trusted before asking Slack again */
  readonly groupTtlMs: number;
  readonly now: () => number;
}

/**
 * Admins are the listed user ids plus the members of one Slack user group. The group is cached
 * briefly; if Slack cannot be asked, the last known list is used, and with none, nobody from the
 * group is an admin (fail closed).
 */
export function createAccessPolicy(opts: AccessOptions, chat: Chat, logger: Logger): AccessPolicy {
  let cache: { members: Set<string>; at: number } | null = null;
  async function groupMembers(): Promise<Set<string>> {
    if (!opts.adminGroup) return new Set();
    if (cache && opts.now() - cache.at < opts.groupTtlMs) return cache.members;
    try {
      cache = { members: new Set(await chat.groupMembers(opts.adminGroup)), at: opts.now() };
    } catch (err) {
      logger.warn({ err, group: opts.adminGroup }, 'could not read the admin user group');
      if (!cache) return new Set();
    }
    return cache.members;
  }
  return {
    async isAdmin(user) {
      if (opts.admins.includes(user)) return true;
      return (await groupMembers()).has(user);
    },
    channelAllowed(channel) {
      return opts.channels.length === 0 || opts.channels.includes(channel);
    },
  };
}
