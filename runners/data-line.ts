import { DATA_PREFIX } from '../commands/render-script.js';

/**
 * A step reports structured facts on lines `CSPATCH:{...}` (Write-CspatchData in the rendered
 * script). Returns the object, or null when the line is not one, so a line that merely looks
 * like data stays visible as output instead of vanishing.
 */
export function parseDataLine(text: string): Record<string, unknown> | null {
  if (!text.startsWith(DATA_PREFIX)) return null;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(DATA_PREFIX.length));
  } catch {
    return null;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  return value as Record<string, unknown>;
}

/** Shallow merge, later lines win; `__proto__` is skipped so a script cannot reshape the object. */
export function mergeData(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(from)) {
    if (k === '__proto__') continue;
    into[k] = v;
  }
}
