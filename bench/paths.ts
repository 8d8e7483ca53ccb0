import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout root: this file runs from dist/bench/, two levels below it. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO_ROOT, 'dist', 'bin', 'cspatch.js');
export const BENCH_DIST = join(REPO_ROOT, 'dist', 'bench');
export const RESULTS_FILE = join(REPO_ROOT, 'bench', 'results.json');
/** The do-nothing PowerShell of benchmark (b): a POSIX sh script that exits 0 at once. */
export const INSTANT_POWERSHELL = join(REPO_ROOT, 'bench', 'instant-powershell');
