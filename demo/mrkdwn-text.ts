import { userNameOf } from './users.js';

/**
 * Slack mrkdwn as a terminal shows it: mentions become @names, dates local times, known emoji
 * their Unicode look-alikes, *bold* and _italic_ lose their markers. Code spans keep their
 * backticks (they mark what is a command); code blocks are left to the caller.
 */
const EMOJI: Readonly<Record<string, string>> = {
  white_check_mark: '✅',
  x: '❌',
  arrow_forward: '▶',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  white_circle: '⚪',
  fast_forward: '⏩',
  alarm_clock: '⏰',
  no_entry: '⛔',
  warning: '⚠',
  stopwatch: '⏱',
  arrows_counterclockwise: '🔄',
  rotating_light: '🚨',
};

/** Slack escapes only these three; everything else is literal. */
export function unescapeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function clock(seconds: number): string {
  const d = new Date(seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** <@U…>, <!date^…|…>, <url|label>, <#C…|name>: Slack's angle-bracket controls. */
function controls(text: string): string {
  return text.replace(/<([^<>\n]+)>/g, (whole, inner: string) => {
    if (inner.startsWith('@')) return `@${userNameOf(inner.slice(1).split('|')[0] ?? '')}`;
    if (inner.startsWith('#')) return `#${inner.split('|')[1] ?? inner.slice(1)}`;
    const date = /^!date\^(\d+)\^[^|]*(?:\|.*)?$/.exec(inner);
    if (date) return clock(Number(date[1]));
    if (inner.startsWith('!')) return `@${inner.slice(1).split('|')[0] ?? ''}`;
    const [url, label] = inner.split('|');
    if (url && /^(https?|mailto):/.test(url)) return label ? `${label} (${url})` : url;
    return whole;
  });
}

function styling(text: string): string {
  return text
    .replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g, '$1$2')
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/g, '$1$2')
    .replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole);
}

/** One mrkdwn text (no code blocks) as plain text; code spans pass through untouched. */
export function mrkdwnToText(text: string): string {
  return text
    .split(/(`[^`\n]*`)/g)
    .map((part, i) => (i % 2 === 1 ? unescapeEntities(part) : unescapeEntities(styling(controls(part)))))
    .join('');
}
