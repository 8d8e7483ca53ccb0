export const RUNNER_USAGE = 'usage: cspatch runner --server <fqdn>';

export type RunnerArgs = { readonly server: string | undefined } | { readonly usage: string; readonly help?: boolean };

/** `--server <fqdn>` or `--server=<fqdn>`; the name itself is checked by loadRunnerConfig. */
export function parseRunnerArgs(args: readonly string[]): RunnerArgs {
  let server: string | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === '--help' || arg === '-h') return { usage: RUNNER_USAGE, help: true };
    if (arg === '--server') {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('--')) return { usage: `--server needs a value\n${RUNNER_USAGE}` };
      server = value;
      i += 1;
    } else if (arg.startsWith('--server=')) {
      server = arg.slice('--server='.length);
    } else {
      return { usage: `unknown argument "${arg.slice(0, 60)}"\n${RUNNER_USAGE}` };
    }
  }
  return { server };
}
