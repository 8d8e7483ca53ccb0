import { uptime } from 'node:os';
import type { RunnerConfig } from '../core/config.js';

/** When the machine booted, in ms since the epoch; tells a finished reboot from a crash. */
export function bootTime(now: number = Date.now()): number {
  return now - Math.round(uptime() * 1000);
}

/**
 * The boot time recovery compares journal entries with: CSPATCH_BOOT_TIME when set (a simulated
 * server "restarted" by starting a new runner process), else the OS's.
 */
export function bootTimeOf(config: Pick<RunnerConfig, 'CSPATCH_BOOT_TIME'>): number {
  return config.CSPATCH_BOOT_TIME ?? bootTime();
}
