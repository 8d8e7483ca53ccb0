import { execa } from 'execa';

/**
 * Kills a step's process and everything it started. Killing only powershell.exe would leave the
 * installer (and msiexec under it) running and holding our pipes open. On POSIX the step runs
 * as its own process group leader (spawned detached), so the group id is its pid; on Windows
 * taskkill walks the tree.
 */
export async function killTree(pid: number): Promise<void> {
  if (process.platform === 'win32') {
    await execa('taskkill', ['/T', '/F', '/PID', String(pid)], { reject: false, windowsHide: true });
    return;
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (err) {
    // ESRCH: the group is already gone, which is what we wanted.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
