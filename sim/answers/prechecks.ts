import { PRODUCTS } from '../../commands/products.js';
import { data, failWith, moduleProblem, out, type Responder, type SimLine } from '../answer.js';
import { leafOf, literalAfter, runIdOf } from '../script-values.js';

/** check-admin-role: exit 10 without CsAdministrator, 11 when not elevated, as the real script. */
export const checkAdminRole: Responder = (ctx) => {
  const s = ctx.scenario;
  const noModule = moduleProblem(ctx);
  if (noModule) return noModule;
  const lines = [data({ account: s.account, csAdministrator: s.csAdministrator, localAdministrator: s.localAdministrator })];
  if (!s.csAdministrator) return failWith(lines, 'the runner account is not a member of CsAdministrator', 10);
  if (!s.localAdministrator) return failWith(lines, 'the runner is not running elevated as a local Administrator', 11);
  return { lines, exitCode: 0 };
};

/** check-package: exit codes 20–24 exactly as commands/steps/prechecks.ts. */
export const checkPackage: Responder = (ctx) => {
  const s = ctx.scenario;
  const src = literalAfter(ctx.script, '$src = ') ?? '';
  const installer = literalAfter(ctx.script, '(Split-Path -Leaf $src) -ne ') ?? '';
  const expected = literalAfter(ctx.script, 'if ($hash -ne ') ?? '';
  const minFree = Number(/\$drive\.Free -lt (\d+)/.exec(ctx.script)?.[1] ?? '0');
  const lines: SimLine[] = [];
  if (!s.package.exists) return failWith(lines, 'the update package was not found at that path', 20);
  // PowerShell's -ne compares strings case-insensitively.
  if (leafOf(src).toLowerCase() !== installer.toLowerCase()) {
    return failWith(lines, `the package is not ${installer}, the installer for ${PRODUCTS[s.product].label}`, 21);
  }
  lines.push(data({ signature: s.package.signature, signer: s.package.signer }));
  if (s.package.signature !== 'Valid' || !/O=Microsoft Corporation/i.test(s.package.signer)) {
    return failWith(lines, 'the package is not validly signed by Microsoft', 22);
  }
  lines.push(data({ freeBytes: s.freeBytes }));
  if (s.freeBytes < minFree) return failWith(lines, 'not enough free disk space on the system drive', 24);
  const localCopy = `C:\\ProgramData\\cspatch\\${runIdOf(ctx.script) ?? 'run'}\\${installer}`;
  const hash = s.package.sha256.toUpperCase();
  lines.push(data({ sha256: hash, localCopy }));
  if (hash !== expected.toUpperCase()) return failWith(lines, 'the package SHA-256 differs from the one in the approved plan', 23);
  return { lines, exitCode: 0 };
};

/** check-pending-reboot: exit 25 with the reasons, as the real script. */
export const checkPendingReboot: Responder = (ctx) => {
  const pending = ctx.scenario.pendingReboot;
  const lines = [data({ pendingReboot: pending, reasons: pending ? ['pending-file-rename'] : [] })];
  if (pending) return failWith(lines, 'a reboot is pending on this server; restart it before patching', 25);
  return { lines, exitCode: 0 };
};

/** check-shells: the gate data while other shells are open (optionally only the first N times). */
export const checkShells: Responder = (ctx) => {
  const s = ctx.scenario;
  const open = s.openShells.length > 0 && (s.openShellsFor === undefined || ctx.attempt <= s.openShellsFor);
  if (open) return { lines: [data({ gate: 'open-shells', processes: s.openShells })], exitCode: 0 };
  return { lines: [out('no other management shell is open')], exitCode: 0 };
};
