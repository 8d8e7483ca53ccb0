import { data, failWith, moduleProblem, out, type Responder } from '../answer.js';
import { sqlOf } from '../scenario.js';
import { lineStartingWith, literalAfter } from '../script-values.js';

const CORE_DATABASES = ['rtcxds', 'rtcshared', 'rtcab', 'rgsconfig', 'rgsdyn', 'cpsdyn'];

/**
 * update-databases: Install-CsDatabase checks its switches against the server the way the real
 * cmdlet would, so a wrong variant fails here just as it would fail there.
 */
export const updateDatabases: Responder = (ctx) => {
  const noModule = moduleProblem(ctx);
  if (noModule) return noModule;
  const s = ctx.scenario;
  const line = lineStartingWith(ctx.script, 'Install-CsDatabase ') ?? '';
  const local = line.includes(' -LocalDatabases');
  const sql = literalAfter(line, '-SqlServerFqdn ');
  const exclude = line.includes(' -ExcludeCollocatedStores');
  const fail = (why: string) => failWith([], `Install-CsDatabase : ${why}`, 1);

  if (s.edition === 'standard' && !local) return fail('Cannot find a configured SQL Server store for this Standard Edition server; use -LocalDatabases.');
  if (s.edition === 'enterprise') {
    if (local) return fail('No local databases are installed on this computer.');
    if (sql !== sqlOf(s)) return fail(`Cannot connect to SQL Server "${sql ?? ''}": the pool's back end is ${sqlOf(s) ?? 'unknown'}.`);
    if (s.collocated.length > 0 && !exclude) {
      return fail(`The ${s.collocated.join(' and ')} store is collocated on ${sql}; run again with -ExcludeCollocatedStores.`);
    }
    if (s.mirrored) return fail('The database is mirrored; remove mirroring or update the databases from the principal manually.');
  }
  const instance = s.edition === 'standard' ? `${s.server}\\RTCLOCAL` : `${sql ?? ''}\\rtc`;
  const names = s.edition === 'standard' ? ['xds', 'lis', ...CORE_DATABASES] : CORE_DATABASES;
  return {
    lines: [
      ...names.map((n) => out(`Checking state for database ${n} on ${instance}... updating to ${s.versionAfter}`)),
      out(`Detailed results can be found at "C:\\Users\\svc-cspatch\\AppData\\Local\\Temp\\Install-CsDatabase-${ctx.pid}.html".`),
      data({ databases: names }),
    ],
    exitCode: 0,
  };
};
