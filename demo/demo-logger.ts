import { pino } from 'pino';
import type { Logger } from '../core/logger.js';

/**
 * The bot's and the runner's structured log, on stderr: stdout is the chat transcript. Quiet
 * (warnings and errors) unless --verbose asks for the info lines a real deployment writes.
 */
export function createDemoLogger(verbose: boolean): Logger {
  return pino({ name: 'cspatch-demo', level: verbose ? 'info' : 'warn', base: undefined }, pino.destination(2));
}
