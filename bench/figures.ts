/**
 * One row of the benchmark table: a figure beside the baseline measured in the same run, and
 * the design target it is read against. A missed target is reported, never thrown.
 */
export interface Figure {
  /** stable key for bench/results.json, e.g. `ack.median` */
  readonly id: string;
  readonly label: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: number;
  /** value / baseline, when a baseline exists */
  readonly ratio?: number;
  /** human-readable target, e.g. `<= 1.2x` */
  readonly target?: string;
  readonly met?: boolean;
  /** how it was measured, one line */
  readonly note?: string;
}

export function ratioOf(value: number, baseline: number): number {
  return baseline > 0 ? value / baseline : Number.NaN;
}

/** A figure compared with a baseline, against an upper bound on the ratio. */
export function versus(id: string, label: string, value: number, baseline: number, unit: string, maxRatio?: number, note?: string): Figure {
  const ratio = ratioOf(value, baseline);
  return {
    id,
    label,
    value,
    unit,
    baseline,
    ratio,
    ...(maxRatio !== undefined ? { target: `<= ${maxRatio}x`, met: ratio <= maxRatio } : {}),
    ...(note ? { note } : {}),
  };
}

/** A figure with an absolute upper bound, or none. */
export function plain(id: string, label: string, value: number, unit: string, max?: { limit: number; text: string }, note?: string): Figure {
  return { id, label, value, unit, ...(max ? { target: max.text, met: value <= max.limit } : {}), ...(note ? { note } : {}) };
}
