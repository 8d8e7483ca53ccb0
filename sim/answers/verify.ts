import { data, moduleProblem, out, type Responder } from '../answer.js';

/** verify: the post-update picture (failures come from the scenario's `fail` map). */
export const verify: Responder = (ctx) => {
  const noModule = moduleProblem(ctx);
  if (noModule) return noModule;
  const s = ctx.scenario;
  const names = s.edition === 'standard' ? ['xds', 'lis', 'rtcxds', 'rtcshared', 'rtcab'] : ['rtcxds', 'rtcshared', 'rtcab'];
  const databases = names.map((name) => ({ name, expected: s.versionAfter, installed: s.versionAfter }));
  return {
    lines: [
      out(`Version after the update: ${s.versionAfter}`),
      ...databases.map((d) => out(`${d.name}: expected ${d.expected}, installed ${d.installed}`)),
      data({ versionAfter: s.versionAfter, servicesNotRunning: [], databasesBehind: [], databases }),
    ],
    exitCode: 0,
  };
};
