import i18next, { type i18n } from 'i18next';
import { en } from './en.js';
import type { Resources } from './en.js';

export const LANGUAGES = ['en', 'de', 'zh-CN', 'es'] as const;
export type Lang = (typeof LANGUAGES)[number];

/** Every other language registers here; missing ones fall back to English. */
const RESOURCES: Partial<Record<Lang, Resources>> = { en };

export function registerLanguage(lang: Lang, resources: Resources): void {
  RESOURCES[lang] = resources;
}

export type TFunction = (key: string, params?: Record<string, string | number>) => string;

export interface Translator {
  /** A t() bound to one language. */
  forLang(lang: string): TFunction;
}

/** Maps a Slack locale (de-DE, zh-CN, es-ES, en-US…) to one of ours. */
export function langFromLocale(locale: string | null | undefined): Lang | null {
  if (!locale) return null;
  const l = locale.replace('_', '-');
  if (/^zh(-(CN|Hans|SG))?/i.test(l)) return 'zh-CN';
  const primary = l.split('-')[0]?.toLowerCase();
  return (LANGUAGES as readonly string[]).includes(primary ?? '') ? (primary as Lang) : null;
}

export function isLang(value: string): value is Lang {
  return (LANGUAGES as readonly string[]).includes(value);
}

export async function createTranslator(): Promise<Translator> {
  const instance: i18n = i18next.createInstance();
  await instance.init({
    lng: 'en',
    fallbackLng: 'en',
    supportedLngs: [...LANGUAGES],
    resources: Object.fromEntries(Object.entries(RESOURCES).map(([lng, r]) => [lng, { translation: r }])),
    // Slack mrkdwn is not HTML: nothing to escape, and user ids like <@U1> must pass through.
    interpolation: { escapeValue: false },
    returnNull: false,
    showSupportNotice: false,
  } as Parameters<i18n['init']>[0]);
  const cache = new Map<string, TFunction>();
  return {
    forLang(lang: string): TFunction {
      const chosen = isLang(lang) ? lang : 'en';
      let t = cache.get(chosen);
      if (!t) {
        const fixed = instance.getFixedT(chosen);
        t = (key, params) => fixed(key, params ?? {}) as string;
        cache.set(chosen, t);
      }
      return t;
    },
  };
}
