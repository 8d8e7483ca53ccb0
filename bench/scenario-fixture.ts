import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioInput } from '../sim/scenario.js';
import { REPO_ROOT } from './paths.js';

/** A scenario from test/fixtures/scenarios/ (read from the source tree: fixtures are not compiled). */
export function loadScenario(name: string): ScenarioInput {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'scenarios', `${name}.json`), 'utf8')) as ScenarioInput;
}
