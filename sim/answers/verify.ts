import { data, failWith, moduleProblem, out, type Responder } from '../answer.js';

/**
 * verify: the post-update picture, failing with the real script's messages and exit codes (40
 * services, 41 databases; commands/steps/verify.ts) when the scenario says something is off.
 */
export const verify: Responder = (ctx) => {
  const noModule = moduleProblem(ctx);
  if (noModule) return noModule;
  const s = ctx.scenario;
  const names = s.edition === 'standard' ? ['xds', 'lis', 'rtcxds', 'rtcshared', 'rtcab'] : ['rtcxds', 'rtcshared', 'rtcab'];
  const databases = names.map((name) => ({ name, expected: s.versionAfter, installed: s.databasesBehind.includes(name) ? s.versionBefore : s.versionAfter }));
  const behind = databases.filter((d) => d.installed !== d.expected).map((d) => d.name);
  const lines = [
    out(`Version after the update: ${s.versionAfter}`),
    ...databases.map((d) => out(`${d.name}: expected ${d.expected}, installed ${d.installed}`)),
    data({ versionAfter: s.versionAfter, servicesNotRunning: s.servicesNotRunning, databasesBehind: behind, databases }),
  ];
  if (s.servicesNotRunning.length > 0) return failWith(lines, 'some services are not running after the update', 40);
  if (behind.length > 0) return failWith(lines, 'some databases are not at the expected version', 41);
  return { lines, exitCode: 0 };
};
