import type { RunnerInfo } from './ports.js';

/**
 * RunnerInfo as flat string fields (a Redis hash, readable with HGETALL in redis-cli) and back.
 * Shared by both stores so the in-memory one round-trips exactly like Redis.
 */
export function runnerToFields(info: RunnerInfo): Record<string, string> {
  return {
    server: info.server,
    runnerId: info.runnerId,
    version: info.version,
    startedAt: String(info.startedAt),
    heartbeatAt: String(info.heartbeatAt),
    busyJobId: info.busyJobId ?? '',
    facts: info.facts === null ? '' : JSON.stringify(info.facts),
  };
}

/** null when the hash is missing or not a runner registration. */
export function runnerFromFields(fields: Record<string, string>): RunnerInfo | null {
  const { server, runnerId, version, startedAt, heartbeatAt, busyJobId, facts } = fields;
  if (!server || runnerId === undefined || version === undefined) return null;
  return {
    server,
    runnerId,
    version,
    startedAt: Number(startedAt ?? 0),
    heartbeatAt: Number(heartbeatAt ?? 0),
    busyJobId: busyJobId ? busyJobId : null,
    facts: parseFacts(facts),
  };
}

function parseFacts(text: string | undefined): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    // a hand-edited or damaged hash: report no facts rather than failing the whole listing
    return null;
  }
}
