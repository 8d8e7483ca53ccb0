import { pino, type Logger } from 'pino';

export type { Logger };

/** One structured logger per process; the level comes from config, never from env directly. */
export function createLogger(name: string, level: string): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
