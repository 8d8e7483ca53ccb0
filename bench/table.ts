import type { Figure } from './figures.js';

const HEADERS = ['figure', 'value', 'baseline', 'ratio', 'target', 'met?'] as const;

function num(value: number | undefined, unit = ''): string {
  if (value === undefined) return '';
  if (!Number.isFinite(value)) return 'n/a';
  const digits = Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

function cells(f: Figure): string[] {
  const met = f.met === undefined ? '' : f.met ? 'yes' : 'NO';
  return [f.label, num(f.value, f.unit), num(f.baseline, f.unit), f.ratio === undefined ? '' : `${num(f.ratio)}x`, f.target ?? '', met];
}

/** A plain-text table, one row per figure, columns padded to fit; section titles on their own line. */
export function renderTable(sections: ReadonlyArray<{ title: string; figures: readonly Figure[] }>): string {
  const rows = sections.flatMap((s) => s.figures.map(cells));
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ');
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  const out = [line(HEADERS), rule];
  for (const s of sections) {
    out.push(`${s.title}`);
    for (const f of s.figures) out.push(line(cells(f)));
  }
  const notes = sections.flatMap((s) => s.figures).filter((f) => f.note);
  if (notes.length > 0) out.push('', 'how measured:', ...notes.map((f) => `  ${f.label}: ${f.note ?? ''}`));
  return out.join('\n');
}
