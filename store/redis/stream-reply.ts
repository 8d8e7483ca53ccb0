import { MESSAGE_FIELD } from '../../core/messages.js';
import type { StreamEntry } from '../ports.js';

/**
 * Pure parsers for RESP2 stream replies. An entry whose fields are nil was trimmed from the stream
 * (MAXLEN) while still pending: it is reported in `gone` so the caller can ack it away.
 */
export interface ParsedEntries {
  readonly entries: StreamEntry[];
  readonly gone: string[];
}

/** XREADGROUP reply for a single stream: [[key, [[id, [field, value, …] | nil], …]]] or nil. */
export function parseReadGroupReply(reply: unknown): ParsedEntries {
  if (!Array.isArray(reply) || reply.length === 0) return { entries: [], gone: [] };
  const first: unknown = reply[0];
  return parseEntryList(Array.isArray(first) ? first[1] : undefined);
}

/** XAUTOCLAIM reply: [nextId, [[id, fields | nil], …], [deletedId, …]]. */
export function parseAutoClaimReply(reply: unknown): ParsedEntries {
  if (!Array.isArray(reply)) return { entries: [], gone: [] };
  const parsed = parseEntryList(reply[1]);
  const deleted = Array.isArray(reply[2]) ? reply[2].filter((id): id is string => typeof id === 'string') : [];
  return { entries: parsed.entries, gone: [...parsed.gone, ...deleted] };
}

/** XRANGE reply or the entry list inside XREADGROUP/XAUTOCLAIM replies. */
export function parseEntryList(list: unknown): ParsedEntries {
  const entries: StreamEntry[] = [];
  const gone: string[] = [];
  if (!Array.isArray(list)) return { entries, gone };
  for (const item of list) {
    if (!Array.isArray(item) || typeof item[0] !== 'string') continue;
    const id = item[0];
    const raw = fieldValue(item[1], MESSAGE_FIELD);
    if (raw === null) gone.push(id);
    else entries.push({ id, raw });
  }
  return { entries, gone };
}

function fieldValue(fields: unknown, name: string): string | null {
  if (!Array.isArray(fields)) return null;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value: unknown = fields[i + 1];
    if (fields[i] === name && typeof value === 'string') return value;
  }
  // an entry without our field is not ours to read; treat it as an empty message
  return '';
}
