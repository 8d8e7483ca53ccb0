/** Order statistics for latency samples (milliseconds), nearest-rank so a p99 is a real sample. */

export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly p99: number;
  readonly max: number;
}

/** The nearest-rank percentile `p` (0–100) of `samples`; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/** @example summarize([1, 2, 3]) // { n: 3, median: 2, p99: 3, max: 3 } */
export function summarize(samples: readonly number[]): Summary {
  return { n: samples.length, median: percentile(samples, 50), p99: percentile(samples, 99), max: percentile(samples, 100) };
}

/** Rounds for display and JSON: three significant decimals are far below the noise. */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function roundSummary(s: Summary): Summary {
  return { n: s.n, median: round(s.median), p99: round(s.p99), max: round(s.max) };
}
