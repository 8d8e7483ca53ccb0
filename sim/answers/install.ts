import { PRODUCTS } from '../../commands/products.js';
import { data, failWith, out, type Responder } from '../answer.js';
import { literalAfter, runIdOf } from '../script-values.js';

/**
 * install-update: the installer's own lines, its success line, then the data line. 3010 (reboot
 * required) ends the script with 0, as the real script does, and says so in the data.
 */
export const installUpdate: Responder = (ctx) => {
  const s = ctx.scenario;
  const product = PRODUCTS[s.product];
  const exe = literalAfter(ctx.script, '$exe = Join-Path $work ') ?? '';
  const work = `C:\\ProgramData\\cspatch\\${runIdOf(ctx.script) ?? 'run'}`;
  if (exe.toLowerCase() !== product.installer.toLowerCase()) {
    // The wrong installer name was never copied into the work folder.
    return failWith([], `Get-FileHash : Cannot find path '${work}\\${exe}' because it does not exist.`, 1);
  }
  const expected = literalAfter(ctx.script, 'Get-FileHash -LiteralPath $exe -Algorithm SHA256).Hash -ne ') ?? '';
  if (expected.toUpperCase() !== s.package.sha256.toUpperCase()) {
    return failWith([], 'the local copy of the package changed since it was checked', 23);
  }
  const code = s.rebootRequired ? 3010 : 0;
  const log = `${work}\\${product.installer.replace(/\.exe$/i, '')}-${s.versionAfter}.log`;
  return {
    lines: [
      out(`--- last lines of ${log.split('\\').at(-1) ?? log}`),
      out(`${product.label} Update Installer ${product.updateKb}`),
      out(`Installed version: ${s.versionBefore}; update version: ${s.versionAfter}`),
      out('Installing update for Server.msi... done'),
      out('Installing update for OcsMcu.msi... done'),
      out('Installing update for UcmaRuntime.msi... done'),
      out('SUCCESS: Successfully installed all applicable MSPs.'),
      ...(code === 3010 ? [out('A restart is required to complete the installation.')] : []),
      data({ installerExitCode: code, rebootRequired: code === 3010, successLine: true, logs: [log] }),
    ],
    exitCode: 0,
  };
};

/** reboot: Restart-Computer prints nothing; the machine just goes away (not simulated). */
export const reboot: Responder = () => ({ lines: [], exitCode: 0 });
