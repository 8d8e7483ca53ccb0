#!/usr/bin/env node
/**
 * A stand-in for powershell.exe, for tests and the demo: it accepts only the runner's contract
 * argv, logs the decoded script (CSPATCH_SIM_LOG), and answers each catalog step the way the
 * server described in CSPATCH_SIM_SCENARIO would. It never runs the script.
 *
 * This is its own program, so it reads its own environment variables.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isStepId, type StepId } from '../commands/catalog.js';
import { stepIdOfScript } from '../commands/render-script.js';
import { err, out, type Answer, type SimLine } from './answer.js';
import { RESPONDERS } from './answers/index.js';
import { checkArgv } from './check-argv.js';
import { loadScenario, type Scenario } from './scenario.js';
import { appendSimLog, readSimLog } from './sim-log.js';

const EX_USAGE = 64;
const EX_CONFIG = 78;

function write(lines: readonly SimLine[]): void {
  // CRLF, as Windows PowerShell ends its lines; the runner must cope with it.
  for (const l of lines) (l.stream === 'stdout' ? process.stdout : process.stderr).write(`${l.text}\r\n`);
}

/** Never ends by itself; a helper child holding the same pipes proves the runner kills the tree. */
function hang(stepId: string): void {
  const helper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: ['ignore', 'inherit', 'inherit'] });
  write([out(`(sim) ${stepId} is hanging; helper process ${helper.pid ?? '?'} waits with it`)]);
  setInterval(() => undefined, 1 << 30);
}

function answer(scenario: Scenario, stepId: StepId, script: string, attempt: number, log: ReturnType<typeof readSimLog>): Answer {
  const failure = scenario.fail[stepId];
  if (failure && (failure.times === undefined || attempt <= failure.times)) {
    const extra = stepId === 'install-update' ? [out(`CSPATCH:${JSON.stringify({ installerExitCode: failure.exitCode, rebootRequired: false, successLine: false })}`)] : [];
    return { lines: [...extra, ...failure.stderr.split('\n').filter(Boolean).map(err)], exitCode: failure.exitCode };
  }
  return RESPONDERS[stepId]({ scenario, script, stepId, attempt, pid: process.pid, log });
}

function main(argv: readonly string[], env: NodeJS.ProcessEnv): void {
  const checked = checkArgv(argv);
  if ('problem' in checked) {
    process.stderr.write(`fake-powershell: ${checked.problem}\n`);
    process.exitCode = EX_USAGE;
    return;
  }
  const { script } = checked;
  const stepId = stepIdOfScript(script) ?? null;
  appendSimLog(env.CSPATCH_SIM_LOG, { at: Date.now(), pid: process.pid, stepId, argv: [...argv], script });
  if (!isStepId(stepId)) {
    process.stderr.write(`fake-powershell: the script does not start with a "# cspatch step <id>" line naming a catalog step\n`);
    process.exitCode = EX_USAGE;
    return;
  }
  let scenario: Scenario;
  try {
    scenario = loadScenario(env.CSPATCH_SIM_SCENARIO);
  } catch (e) {
    process.stderr.write(`fake-powershell: the scenario in CSPATCH_SIM_SCENARIO is invalid: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = EX_CONFIG;
    return;
  }
  const log = readSimLog(env.CSPATCH_SIM_LOG);
  const attempt = Math.max(1, log.filter((e) => e.stepId === stepId).length);
  write((scenario.print[stepId] ?? []).map(out));
  if (scenario.hang.includes(stepId)) {
    hang(stepId);
    return;
  }
  const result = answer(scenario, stepId, script, attempt, log.length ? log : [{ at: 0, pid: process.pid, stepId, argv: [], script }]);
  write(result.lines);
  // Natural exit (not process.exit) so piped output is flushed first.
  const finish = () => {
    process.exitCode = result.exitCode;
  };
  const slow = scenario.slowMs[stepId] ?? 0;
  const afterSlow = () => (slow > 0 ? setTimeout(finish, slow) : finish());
  const file = scenario.waitForFile[stepId];
  if (file) waitForFile(file, afterSlow);
  else afterSlow();
}

function waitForFile(path: string, then: () => void): void {
  if (existsSync(path)) then();
  else setTimeout(() => waitForFile(path, then), 50);
}

main(process.argv.slice(2), process.env);
