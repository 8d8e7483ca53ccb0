import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { runIdSchema } from '../commands/schemas.js';
import { loadAuditConfig } from '../core/config.js';
import { createKeys } from '../core/keys.js';
import { verifyAuditLines, type AuditVerdict } from '../store/audit-verify.js';
import { RedisAuditLog } from '../store/redis/audit-log.js';
import { openRedis } from '../store/redis/connection.js';

type Env = Record<string, string | undefined>;

const USAGE = `usage:
  cspatch audit export [--run <run-id>] [--out <file>]
      writes the audit trail (REDIS_URL, CSPATCH_PREFIX) as JSON lines, one chained entry a line,
      to <file> or to standard output; --run keeps only that run's entries
  cspatch audit verify [--partial] [<file>|-]
      recomputes the hash chain of an export (standard input with - or no file) and prints
      OK with the count and the head, or the first broken entry; exit 0 when intact, 1 when not.
      --partial accepts the gaps of a --run export`;

const EX_USAGE = 64;

/**
 * `cspatch audit export|verify`. Export needs only REDIS_URL and CSPATCH_PREFIX; verify needs
 * nothing but the file, so it can run anywhere, away from the Redis it came from.
 *
 * @example process.exitCode = await auditMain(['verify', 'audit.jsonl'], process.env)
 */
export async function auditMain(args: string[], env: Env): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'export':
      return exportTrail(rest, env);
    case 'verify':
      return verifyTrail(rest);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    default:
      return usage(sub === undefined ? 'say export or verify' : `unknown subcommand "${sub.slice(0, 40)}"`);
  }
}

function usage(problem: string): number {
  process.stderr.write(`cspatch audit: ${problem}\n${USAGE}\n`);
  return EX_USAGE;
}

async function exportTrail(args: string[], env: Env): Promise<number> {
  let runId: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const [flag, value] = [args[i], args[i + 1]];
    if (flag === '--run' && value !== undefined) {
      const parsed = runIdSchema.safeParse(value);
      if (!parsed.success) return usage(`--run: "${value.slice(0, 40)}" is not a run id`);
      runId = parsed.data;
      i += 1;
    } else if (flag === '--out' && value !== undefined) {
      out = value;
      i += 1;
    } else {
      return usage(`unexpected argument "${String(flag).slice(0, 40)}"`);
    }
  }
  const config = loadAuditConfig(env);
  const redis = openRedis(config.REDIS_URL, 'cspatch-audit');
  let entries;
  try {
    entries = await new RedisAuditLog(redis, createKeys(config.CSPATCH_PREFIX)).read(runId);
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
  const sink: Writable = out ? createWriteStream(out, { flags: 'w', mode: 0o600 }) : process.stdout;
  for (const entry of entries) {
    if (!sink.write(`${JSON.stringify(entry)}\n`)) await once(sink, 'drain');
  }
  if (out) {
    sink.end();
    await once(sink, 'finish');
  }
  const head = entries.at(-1);
  process.stderr.write(
    `exported ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}${head ? ` (up to seq ${head.seq})` : ''}${out ? ` to ${out}` : ''}` +
      `${runId ? `; the entries of one run leave gaps in the chain: check them with cspatch audit verify --partial` : ''}\n`,
  );
  return 0;
}

async function verifyTrail(args: string[]): Promise<number> {
  const partial = args.includes('--partial');
  const files = args.filter((a) => a !== '--partial');
  if (files.length > 1 || files.some((f) => f.startsWith('--'))) return usage(`unexpected argument "${String(files.find((f) => f.startsWith('--')) ?? files[1]).slice(0, 40)}"`);
  const file = files[0] ?? '-';
  const input: Readable = file === '-' ? process.stdin : createReadStream(file, { encoding: 'utf8' });
  const lines: string[] = [];
  try {
    for await (const line of createInterface({ input, crlfDelay: Infinity })) lines.push(line);
  } catch (err) {
    process.stderr.write(`cspatch audit verify: cannot read ${file === '-' ? 'standard input' : file}: ${(err as Error).message}\n`);
    return EX_USAGE;
  }
  const verdict = verifyAuditLines(lines, { partial });
  process.stdout.write(`${describe(verdict)}\n`);
  return verdict.ok ? 0 : 1;
}

function describe(v: AuditVerdict): string {
  if (v.ok) {
    const head = v.head ? `head seq ${v.head.seq} hash ${v.head.hash}` : 'empty';
    const partial = v.gaps > 0 || (v.first ?? 1) !== 1 ? ` (a partial export: from seq ${v.first ?? '?'}, ${v.gaps} ${v.gaps === 1 ? 'gap' : 'gaps'})` : '';
    return `OK: ${v.count} ${v.count === 1 ? 'entry' : 'entries'}, chain intact; ${head}${partial}`;
  }
  const where = v.seq !== null ? `seq ${v.seq} (line ${v.line})` : `line ${v.line}`;
  return `BROKEN at ${where}: ${v.reason}; ${v.count} ${v.count === 1 ? 'entry' : 'entries'} before it checked out`;
}
