import { accessSync, constants } from 'node:fs';

/** Fails early, with the fix, when a stand-in script lost its executable bit (e.g. a fresh checkout). */
export function assertExecutable(path: string): void {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`${path} is not executable: run chmod +x on it`);
  }
}
