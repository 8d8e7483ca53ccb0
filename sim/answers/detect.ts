import { data, ranSuccessfully, type Responder } from '../answer.js';
import { poolOf, sqlOf } from '../scenario.js';
import { leafOf, literalAfter } from '../script-values.js';

/** detect-facts: one CSPATCH line with the same keys as the real probe (commands/steps/detect.ts). */
export const detectFacts: Responder = (ctx) => {
  const s = ctx.scenario;
  const pkgPath = literalAfter(ctx.script, '$pkg = ');
  const pkg =
    pkgPath === undefined
      ? null
      : s.package.exists
        ? { exists: true, fileName: leafOf(pkgPath), sha256: s.package.sha256.toUpperCase(), signature: s.package.signature, signer: s.package.signer }
        : { exists: false };
  const facts = {
    product: s.product,
    version: ranSuccessfully(ctx, 'install-update') ? s.versionAfter : s.versionBefore,
    edition: s.edition,
    poolFqdn: poolOf(s),
    sqlServerFqdn: sqlOf(s),
    collocated: s.collocated,
    csComponents: s.csComponents,
    mirrored: s.edition === 'enterprise' && s.mirrored,
    pendingReboot: s.pendingReboot,
    package: pkg,
  };
  return { lines: [data({ facts })], exitCode: 0 };
};
