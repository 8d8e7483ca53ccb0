import { uptime } from 'node:os';

/** When the machine booted, in ms since the epoch; tells a finished reboot from a crash. */
export function bootTime(now: number = Date.now()): number {
  return now - Math.round(uptime() * 1000);
}
