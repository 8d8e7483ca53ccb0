import { readFileSync } from 'node:fs';

/** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel build. */
const TICKS_PER_SECOND = 100;

export interface ProcSample {
  /** largest VmRSS seen while sampling, in MB */
  readonly peakRssMb: number;
  /** the kernel's own high-water mark (VmHWM) at the end, in MB: catches peaks between samples */
  readonly hwmMb: number;
  /** user + system CPU the process used while sampled, in seconds */
  readonly cpuSeconds: number;
}

function statusKb(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

function cpuTicks(pid: number): number {
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

/** Samples a live process's memory every `everyMs` from /proc until stopped (Linux only). */
export function sampleProcess(pid: number, everyMs = 200): { stop(): ProcSample } {
  const ticks0 = cpuTicks(pid);
  let peakKb = statusKb(pid, 'VmRSS');
  const timer = setInterval(() => {
    try {
      peakKb = Math.max(peakKb, statusKb(pid, 'VmRSS'));
    } catch {
      // the process is gone; stop() reports what was seen
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const hwmKb = statusKb(pid, 'VmHWM');
      return { peakRssMb: peakKb / 1024, hwmMb: hwmKb / 1024, cpuSeconds: (cpuTicks(pid) - ticks0) / TICKS_PER_SECOND };
    },
  };
}
