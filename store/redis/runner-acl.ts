import type { KeyRegistry } from '../../core/keys.js';

/**
 * The Redis ACL rules of one runner's user: exactly what the runner's side of the store
 * (runner-bus.ts, runner-directory.ts, connection.ts) sends, on exactly its own keys.
 *
 * - its server's job stream, read as RUNNER_GROUP: XGROUP CREATE (…MKSTREAM, first start),
 *   XREADGROUP (pending entries with id 0, then new ones with `>`), XACK;
 * - the shared results stream: XADD only, write-only key permission (%W~), so it cannot read
 *   what other runners reported;
 * - its own registration hash: HSET only, write-only; the runners index: ZADD only, write-only;
 * - CLIENT SETNAME, so the connection is named in CLIENT LIST (ioredis ignores a refusal anyway).
 *
 * Selectors (Redis 7+) tie each write command to its one key, so XADD cannot add a job to the
 * runner's own job stream and HSET cannot touch any other hash. Everything else (INFO, PING,
 * GET, XRANGE, run state, locks, other servers' keys) is refused with NOPERM.
 *
 * @example redis.call('ACL', 'SETUSER', 'cspatch-runner-be01', 'reset', 'on', `>${password}`, ...runnerAclRules(createKeys('cspatch'), 'be01.contoso.com'))
 */
export function runnerAclRules(keys: KeyRegistry, server: string): string[] {
  return [
    '-@all',
    '+xgroup|create',
    '+xreadgroup',
    '+xack',
    '+client|setname',
    `~${keys.jobs(server)}`,
    `(+xadd %W~${keys.results})`,
    `(+hset %W~${keys.runner(server)})`,
    `(+zadd %W~${keys.runners})`,
  ];
}

/**
 * The whole command as an operator types it into a POSIX shell, every argument single-quoted
 * (`{`, `}`, `|`, `>` and spaces all reach Redis unchanged). `reset` first makes it idempotent:
 * running it again replaces the user's rules and password instead of adding to them.
 *
 * @example runnerAclCommand('cspatch-runner-be01', createKeys('cspatch'), 'be01.contoso.com', '<password>')
 */
export function runnerAclCommand(user: string, keys: KeyRegistry, server: string, password: string): string {
  const args = ['ACL', 'SETUSER', user, 'reset', 'on', `>${password}`, ...runnerAclRules(keys, server)];
  return `redis-cli ${args.map((a) => (/^[A-Za-z0-9@_.+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ')}`;
}
