import { PRODUCTS } from '../products.js';
import { defineStep } from '../step-definition.js';
import { productParams, requireServiceState } from './common.js';

/** Document steps 3 and 8: a fresh process that loads the module proves the shell opens. */
function openShell(id: string, docStep: number) {
  return defineStep({
    id,
    docStep,
    kind: 'shell',
    params: productParams,
    needsModule: true,
    display: (p) => `Import-Module ${PRODUCTS[p.product].module}`,
    body: () => [
      "$m = Get-Module | Where-Object { $_.Name -in @('SkypeForBusiness', 'Lync') } | Select-Object -First 1",
      "Write-CspatchData @{ module = $m.Name; moduleVersion = [string]$m.Version; processId = $PID }",
    ],
  });
}
export const openShellStep = openShell('open-shell', 3);
/** Never the process from before the install: the installer replaced the module's assemblies. */
export const reopenShellStep = openShell('reopen-shell', 8);

/** Document steps 4 and 9: after either, no Cs service may be anything but Stopped. */
function stopServices(id: string, docStep: number) {
  return defineStep({
    id,
    docStep,
    kind: 'service',
    params: productParams,
    needsModule: true,
    display: () => 'Stop-CsWindowsService',
    body: () => ['Stop-CsWindowsService -Confirm:$false', ...requireServiceState('Stopped', 30)],
  });
}
export const stopServicesStep = stopServices('stop-services', 4);
/** The second stop catches services that loaded assemblies from the GAC while the MSPs ran. */
export const stopServicesAgainStep = stopServices('stop-services-again', 9);

/**
 * Document steps 5 and 10. net.exe fails when the service is already in the wanted state (exit 2
 * on stop), so check first; a server without IIS has nothing to do here.
 */
function w3svc(id: string, docStep: number, verb: 'stop' | 'start') {
  const wanted = verb === 'stop' ? 'Stopped' : 'Running';
  const done = verb === 'stop' ? 'stopped' : 'running';
  return defineStep({
    id,
    docStep,
    kind: 'service',
    params: productParams,
    needsModule: false,
    display: () => `net ${verb} w3svc`,
    body: () => [
      '$svc = Get-Service -Name W3SVC -ErrorAction SilentlyContinue',
      `if ($null -eq $svc) { Write-Output 'W3SVC is not installed here; nothing to ${verb}'; exit 0 }`,
      `if ($svc.Status -ne '${wanted}') { & net.exe ${verb} w3svc; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE } } else { Write-Output 'W3SVC was already ${done}' }`,
    ],
  });
}
export const stopW3svcStep = w3svc('stop-w3svc', 5, 'stop');
export const startW3svcStep = w3svc('start-w3svc', 10, 'start');

/** Added by cspatch (the document stops at step 11): bring the server back into the pool. */
export const startServicesStep = defineStep({
  id: 'start-services',
  docStep: null,
  kind: 'service',
  params: productParams,
  needsModule: true,
  display: () => 'Start-CsWindowsService',
  body: () => ['Start-CsWindowsService -Confirm:$false'],
});
