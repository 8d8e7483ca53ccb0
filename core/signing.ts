import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC over a canonical JSON form, so the same object signs the same way on the bot and on the
 * runner whatever the key order. Keys are sorted recursively; `sig` itself is never signed.
 */
export function canonicalJson(value: unknown): string {
  return canonical(value, true);
}

// Only the top-level `sig` is the signature; a nested key that happens to be called sig is data.
function canonical(value: unknown, top: boolean): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v, false)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([k, v]) => !(top && k === 'sig') && v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v, false)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sign(key: string, value: unknown): string {
  return createHmac('sha256', key).update(canonicalJson(value)).digest('hex');
}

export function verify(key: string, value: unknown, sig: unknown): boolean {
  if (typeof sig !== 'string' || !/^[0-9a-f]{64}$/.test(sig)) return false;
  const expected = Buffer.from(sign(key, value), 'hex');
  return timingSafeEqual(expected, Buffer.from(sig, 'hex'));
}

/**
 * Each runner gets its own key derived from the bot's master secret, so one compromised server
 * cannot sign jobs or results for another. `cspatch runner-key <fqdn>` prints it for the operator.
 */
export function deriveRunnerKey(masterSecret: string, serverFqdn: string): string {
  return createHmac('sha256', masterSecret).update(`cspatch-runner:${serverFqdn.toLowerCase()}`).digest('hex');
}
