#!/usr/bin/env node
/**
 * The one executable: `cspatch bot`, `cspatch runner --server <fqdn>`, `cspatch demo`, and the
 * operator helpers. Each subcommand lives in its own module and is loaded only when asked for.
 */
import { coerceError } from '../core/errors.js';

const USAGE = `usage:
  cspatch bot                          run the Slack bot
  cspatch runner --server <fqdn>       run the agent on a Windows server
  cspatch demo [--script <file>]       try the whole flow in this terminal
  cspatch runner-key <fqdn>            print the signing key to give that server's runner
  cspatch audit export|verify          export or check the audit trail`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'bot':
      return (await import('../bot/cli.js')).botMain(rest, process.env);
    case 'runner':
      return (await import('../runners/cli.js')).runnerMain(rest, process.env);
    case 'demo':
      return (await import('../demo/cli.js')).demoMain(rest, process.env);
    case 'runner-key':
      return (await import('./runner-key.js')).runnerKeyMain(rest, process.env);
    case 'audit':
      return (await import('../bot/audit-cli.js')).auditMain(rest, process.env);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 64 : 0;
    default:
      process.stderr.write(`cspatch: unknown command "${command}"\n${USAGE}\n`);
      return 64;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = coerceError(err);
    process.stderr.write(`cspatch: ${e.message}\n`);
    process.exitCode = e.code === 'config_invalid' ? 78 : 1;
  },
);
