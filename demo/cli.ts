import { coerceError, ErrorCode } from '../core/errors.js';
import { CONSOLE_HELP, runLine, type ConsoleState } from './console-commands.js';
import { startDemoSession } from './demo-session.js';
import { scriptReader, terminalReader, type LineReader } from './line-reader.js';
import { parseDemoArgs, type DemoArgs } from './parse-demo-args.js';
import { DEMO_SERVER, DEMO_SQL } from './sim-server.js';
import { DEMO_ADMINS, DEMO_FIRST_USER, DEMO_NON_ADMIN } from './users.js';

type Env = Record<string, string | undefined>;

function banner(args: DemoArgs, stores: string): string {
  return [
    'cspatch demo: the real bot, run lifecycle and runner; this console stands in for Slack.',
    `  server   ${DEMO_SERVER} (simulated): Skype for Business Server 2019, Enterprise Edition back end on ${DEMO_SQL}, Monitoring database collocated`,
    `  store    ${stores}`,
    `  people   ${DEMO_ADMINS.join(' and ')} are cspatch admins, ${DEMO_NON_ADMIN} is not; you are ${DEMO_FIRST_USER}`,
    ...(args.failStep ? [`  --fail   the simulated server fails "${args.failStep}" once`] : []),
    '',
  ].join('\n');
}

async function converse(state: ConsoleState, scripted: boolean): Promise<number> {
  for (;;) {
    const line = await state.reader.read(`${state.user}> `);
    if (line === null) return 0;
    const outcome = await runLine(state, line);
    if (outcome.kind === 'quit') return 0;
    if (outcome.kind === 'problem') {
      state.reader.print(`  ! ${outcome.message}`);
      if (scripted) {
        state.reader.print(`  ! the script stopped at ${state.reader.where()}`);
        return 1;
      }
    }
  }
}

/**
 * `cspatch demo`: a whole patch in the terminal, no Slack, no Windows server, no Redis needed
 * (REDIS_URL, and optionally CSPATCH_PREFIX, select Redis). Resolves with the exit code: 0 when
 * the session or the script ran to its end.
 *
 * @example process.exitCode = await demoMain(['--script', 'demo/sample.script'], process.env)
 */
export async function demoMain(argv: string[], env: Env): Promise<number> {
  const args = parseDemoArgs(argv);
  if ('usage' in args) {
    (args.help ? process.stdout : process.stderr).write(`${args.usage}\n`);
    return args.help ? 0 : 64;
  }
  const ending = new AbortController();
  const write = (text: string) => void process.stdout.write(text);
  let reader: LineReader;
  try {
    reader = args.script ? scriptReader(args.script, write) : terminalReader(process.stdin, process.stdout, () => ending.abort());
  } catch (err) {
    process.stderr.write(`cspatch demo: cannot read the script ${args.script ?? ''}: ${coerceError(err).message}\n`);
    return 66;
  }
  // Ctrl-C ends the session cleanly (runner, bot, stores, temp files), like /quit.
  const onSignal = () => {
    ending.abort();
    reader.close();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const session = await startDemoSession({
      lang: args.lang,
      failStep: args.failStep,
      redisUrl: env.REDIS_URL || undefined,
      prefix: env.CSPATCH_PREFIX || undefined,
      verbose: args.verbose,
      print: (text) => reader.print(text),
    });
    let code = 1;
    try {
      reader.print(banner(args, session.storeDescription));
      reader.print(`The runner on ${DEMO_SERVER} has registered.${args.script ? '' : ' Type /help for what you can do.'}`);
      if (!args.script) reader.print(CONSOLE_HELP);
      code = await converse({ session, reader, user: DEMO_FIRST_USER, signal: ending.signal }, args.script !== null);
    } finally {
      reader.close();
      await session.stop();
    }
    reader.print(`Demo over: the runner and the bot have stopped${env.REDIS_URL ? ', the demo\'s Redis keys are removed' : ''} and the temporary files are gone.`);
    // A script cut short by a signal did not run to its end: say so in the exit code (128 + SIGINT).
    return args.script && ending.signal.aborted ? 130 : code;
  } catch (err) {
    const e = coerceError(err);
    process.stderr.write(`cspatch demo: ${e.message}\n`);
    // As the other subcommands do: 78 (EX_CONFIG) for a setting to fix, 1 for anything else.
    return e.code === ErrorCode.ConfigInvalid ? 78 : 1;
  } finally {
    reader.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
