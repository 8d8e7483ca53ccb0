import type { Logger } from '../../core/logger.js';
import type { Settings } from '../../store/ports.js';
import type { Chat } from '../chat/chat.js';
import { isLang, langFromLocale, type Lang } from '../i18n/translator.js';

export interface LanguageResolver {
  /** the language of shared messages in a channel */
  forChannel(channel: string): Promise<Lang>;
  /** the language of a message only this user sees */
  forUser(user: string, channel: string): Promise<Lang>;
}

/**
 * Shared thread messages follow the channel (setting, else the default); ephemeral ones follow
 * the reader (their setting, else their Slack locale, else the channel's language).
 */
export function createLanguageResolver(defaultLang: Lang, settings: Settings, chat: Chat, logger: Logger, ttlMs = 3600_000, now: () => number = Date.now): LanguageResolver {
  const locales = new Map<string, { lang: Lang | null; at: number }>();
  // Lookups in flight, shared: a burst of requests from one user (200 commands at once in the
  // benchmark) would otherwise each call users.info, which Slack allows about 100 times a minute.
  const pending = new Map<string, Promise<Lang | null>>();
  async function channelLang(channel: string): Promise<Lang> {
    const set = await settings.get('channel', channel, 'lang');
    return set && isLang(set) ? set : defaultLang;
  }
  function slackLang(user: string): Promise<Lang | null> {
    const hit = locales.get(user);
    if (hit && now() - hit.at < ttlMs) return Promise.resolve(hit.lang);
    let lookup = pending.get(user);
    if (!lookup) {
      lookup = fetchLang(user).finally(() => pending.delete(user));
      pending.set(user, lookup);
    }
    return lookup;
  }
  async function fetchLang(user: string): Promise<Lang | null> {
    let lang: Lang | null = null;
    try {
      lang = langFromLocale(await chat.userLocale(user));
    } catch (err) {
      logger.debug({ err, user }, 'could not read the user locale');
    }
    // Bounded: a busy workspace must not grow this map forever.
    if (locales.size > 5000) locales.clear();
    locales.set(user, { lang, at: now() });
    return lang;
  }
  return {
    forChannel: channelLang,
    async forUser(user, channel) {
      const set = await settings.get('user', user, 'lang');
      if (set && isLang(set)) return set;
      return (await slackLang(user)) ?? (await channelLang(channel));
    },
  };
}
