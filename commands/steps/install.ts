import { z } from 'zod';
import { psQuote } from '../ps-quote.js';
import { productSchema, runIdSchema, sha256Schema } from '../schemas.js';
import { defineStep } from '../step-definition.js';
import { fail, installerName, productParams, workDirLines } from './common.js';

/**
 * Document step 7. /silentmode is what admins' scripts use (lab); /forcereboot is never passed
 * because the bot owns reboots. 3010 is Windows' "success, reboot required".
 */
export const installUpdateStep = defineStep({
  id: 'install-update',
  docStep: 7,
  kind: 'install',
  params: z.object({ product: productSchema, runId: runIdSchema, packageSha256: sha256Schema }).strict(),
  needsModule: false,
  display: (p) => `${installerName(p.product)} /silentmode`,
  body: (p) => [
    ...workDirLines(p.runId),
    `$exe = Join-Path $work ${psQuote(installerName(p.product))}`,
    `if ((Get-FileHash -LiteralPath $exe -Algorithm SHA256).Hash -ne ${psQuote(p.packageSha256)}) { ${fail('the local copy of the package changed since it was checked', 23)} }`,
    "$proc = Start-Process -FilePath $exe -ArgumentList '/silentmode' -WorkingDirectory $work -Wait -PassThru -NoNewWindow",
    '$code = $proc.ExitCode',
    '$logs = @(Get-ChildItem -LiteralPath $work -Filter *.log -ErrorAction SilentlyContinue | Sort-Object LastWriteTime)',
    "$ok = [bool]($logs | Select-String -SimpleMatch 'Successfully installed all applicable MSPs' -Quiet)",
    "if ($logs.Count -gt 0) { Write-Output ('--- last lines of ' + $logs[-1].Name); Get-Content -LiteralPath $logs[-1].FullName -Tail 20 }",
    'Write-CspatchData @{ installerExitCode = $code; rebootRequired = ($code -eq 3010); successLine = $ok; logs = @($logs | ForEach-Object { $_.FullName }) }',
    'if ($code -ne 0 -and $code -ne 3010) { exit $code }',
  ],
});

/**
 * Added by cspatch, only when the installer asked for it and an admin chose the moment. The runner
 * journals it and reports it done once it is back up.
 */
export const rebootStep = defineStep({
  id: 'reboot',
  docStep: null,
  kind: 'reboot',
  params: productParams,
  needsModule: false,
  display: () => 'Restart-Computer -Force',
  body: () => ['Restart-Computer -Force'],
});
