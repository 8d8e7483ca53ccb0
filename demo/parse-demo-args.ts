import { isStepId, STEP_IDS, type StepId } from '../commands/catalog.js';
import { isLang, LANGUAGES, type Lang } from '../bot/i18n/translator.js';

export interface DemoArgs {
  /** lines to replay instead of reading the terminal */
  readonly script: string | null;
  /** the step the simulated server fails once */
  readonly failStep: StepId | null;
  readonly lang: Lang;
  readonly verbose: boolean;
}

export const DEMO_USAGE = `usage: cspatch demo [--script <file>] [--fail <step>] [--lang <${LANGUAGES.join('|')}>] [--verbose]

  Walks a whole patch in this terminal: the real bot, run lifecycle and runner, an in-memory
  store (Redis when REDIS_URL is set), a console instead of Slack, a simulated server.

  --script <file>   replay the lines of <file> as if typed, then end (# lines are notes)
  --fail <step>     the simulated server fails that step once, e.g. install-update
  --lang <lang>     the bot's language in the channel (default en)
  --verbose         the bot's and the runner's log on stderr`;

/** Parses `cspatch demo` arguments; `usage` with a message when they are wrong. */
export function parseDemoArgs(args: readonly string[]): DemoArgs | { readonly usage: string; readonly help: boolean } {
  let script: string | null = null;
  let failStep: StepId | null = null;
  let lang: Lang = 'en';
  let verbose = false;
  const bad = (why: string) => ({ usage: `cspatch demo: ${why}\n${DEMO_USAGE}`, help: false });
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const value = args[i + 1];
    switch (arg) {
      case '--help':
      case '-h':
        return { usage: DEMO_USAGE, help: true };
      case '--verbose':
        verbose = true;
        continue;
      case '--script':
      case '--fail':
      case '--lang':
        if (value === undefined || value.startsWith('--')) return bad(`${arg} needs a value`);
        i += 1;
        break;
      default:
        return bad(`unknown argument "${arg}"`);
    }
    if (arg === '--script') script = value;
    else if (arg === '--fail') {
      if (!isStepId(value) || value === 'detect-facts') return bad(`--fail takes a plan step: ${STEP_IDS.filter((s) => s !== 'detect-facts').join(', ')}`);
      failStep = value;
    } else if (arg === '--lang') {
      if (!isLang(value)) return bad(`--lang takes one of ${LANGUAGES.join(', ')}`);
      lang = value;
    }
  }
  return { script, failStep, lang, verbose };
}
