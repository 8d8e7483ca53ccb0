import type { TFunction } from '../i18n/translator.js';
import type { Run } from '../lifecycle/run.js';

export function mention(user: string): string {
  return /^[UW][A-Z0-9]+$/.test(user) ? `<@${user}>` : user;
}

/** Slack renders this in each reader's own time zone and format. */
export function when(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `<!date^${s}^{date_short_pretty} {time}|${new Date(ms).toISOString()}>`;
}

export function duration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

export function productLabel(t: TFunction, product: string | null | undefined): string {
  return t(`product.${product && ['lync2013', 'sfb2015', 'sfb2019'].includes(product) ? product : 'unknown'}`);
}

export function editionLabel(t: TFunction, edition: string | null | undefined): string {
  return t(`edition.${edition === 'enterprise' || edition === 'standard' ? edition : 'unknown'}`);
}

export function collocatedLabel(t: TFunction, collocated: boolean | null): string {
  return t(`collocated.${collocated === null ? 'unknown' : collocated ? 'yes' : 'no'}`);
}

export function downtimeMinutes(run: Run, now: number): number | null {
  const c = run.resiliency;
  if (c.startedAt === null) return null;
  return Math.round(((c.endedAt ?? now) - c.startedAt) / 60000);
}

export const STATE_ICON: Readonly<Record<string, string>> = {
  pending: ':white_circle:',
  sent: ':hourglass:',
  running: ':hourglass_flowing_sand:',
  succeeded: ':white_check_mark:',
  skipped: ':fast_forward:',
  failed: ':x:',
  timed_out: ':alarm_clock:',
  refused: ':no_entry:',
  interrupted: ':warning:',
};
