import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The version the runner reports in its heartbeat, read from the package's own package.json so
 * it never drifts from the release. The file sits one level up from the sources and two from
 * dist/, hence the short walk.
 */
export function runnerVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i += 1) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === 'cspatch' && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // an unrelated or broken package.json: keep walking up
      }
    }
    dir = dirname(dir);
  }
  return '0.0.0-unknown';
}
