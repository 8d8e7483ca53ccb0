import { fqdnSchema } from '../commands/schemas.js';
import { deriveRunnerKey } from '../core/signing.js';

type Env = Record<string, string | undefined>;

/** Prints the key an operator sets as CSPATCH_RUNNER_SECRET on that server's runner. */
export async function runnerKeyMain(args: string[], env: Env): Promise<number> {
  const server = fqdnSchema.safeParse(args[0] ?? '');
  if (!server.success) {
    process.stderr.write(`usage: cspatch runner-key <server-fqdn>\n${server.error.issues[0]?.message ?? ''}\n`);
    return 64;
  }
  const master = env.CSPATCH_RUNNER_SECRET;
  if (!master || master.length < 16) {
    process.stderr.write('CSPATCH_RUNNER_SECRET (the bot\'s master secret, at least 16 characters) must be set\n');
    return 78;
  }
  process.stdout.write(`${deriveRunnerKey(master, server.data)}\n`);
  return 0;
}
