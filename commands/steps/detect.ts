import { z } from 'zod';
import { psQuote } from '../ps-quote.js';
import { windowsPathSchema } from '../schemas.js';
import { defineStep } from '../step-definition.js';

/**
 * Read-only probe run before the plan is shown: what the server says it is. Every fact may come
 * back null; the human's confirmation decides. Printed as one CSPATCH line with a `facts` object.
 */
export const detectFactsStep = defineStep({
  id: 'detect-facts',
  docStep: null,
  kind: 'probe',
  params: z.object({ packagePath: windowsPathSchema.optional() }).strict(),
  needsModule: false,
  display: () => 'Get-CsServerPatchVersion; Get-CsPool; Get-CsService; registry reboot keys',
  body: (p) => [
    '$f = [ordered]@{ product = $null; version = $null; edition = $null; poolFqdn = $null; sqlServerFqdn = $null; collocated = @(); csComponents = $false; mirrored = $false; pendingReboot = $false; package = $null }',
    '$fqdn = ([System.Net.Dns]::GetHostEntry($env:COMPUTERNAME)).HostName.ToLower()',
    "if (Get-Module -ListAvailable -Name SkypeForBusiness) { Import-Module SkypeForBusiness; $f.product = 'sfb' } elseif (Get-Module -ListAvailable -Name Lync) { Import-Module Lync; $f.product = 'lync2013' }",
    "if ($f.product -eq 'sfb') { $v = Get-CsServerPatchVersion | ForEach-Object { [version]$_.Version } | Sort-Object -Descending | Select-Object -First 1; $f.version = [string]$v; $f.product = if ($v.Major -ge 7) { 'sfb2019' } else { 'sfb2015' } }",
    "if ($f.product -eq 'lync2013') { $f.version = [string](Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*' -ErrorAction SilentlyContinue | Where-Object { $_.DisplayName -like 'Microsoft Lync Server 2013, Core Components*' } | Select-Object -First 1).DisplayVersion }",
    'if ($f.product) {',
    '  $f.csComponents = @(Get-CsWindowsService -ErrorAction SilentlyContinue).Count -gt 0',
    "  $ud = Get-CsService -UserDatabase | Where-Object { $_.PoolFqdn -eq $fqdn -or (Get-CsPool -Identity $_.PoolFqdn).Computers -contains $fqdn } | Select-Object -First 1",
    "  $reg = Get-CsService -Registrar | Where-Object { $_.PoolFqdn -eq $fqdn } | Select-Object -First 1",
    "  if ($reg) { $f.edition = 'standard'; $f.poolFqdn = $fqdn; $f.sqlServerFqdn = $fqdn }",
    // The user store's PoolFqdn is the SQL back end; the Front End pool is the UserServer that uses it (lab).
    "  elseif ($ud) { $f.edition = 'enterprise'; $f.sqlServerFqdn = [string]$ud.PoolFqdn; $f.poolFqdn = [string](Get-CsService -UserServer | Where-Object { [string]$_.UserDatabase -eq ('UserDatabase:' + $ud.PoolFqdn) } | Select-Object -First 1).PoolFqdn }",
    "  $stores = @(Get-CsService -ArchivingDatabase) + @(Get-CsService -MonitoringDatabase)",
    "  $f.collocated = @($stores | Where-Object { $_.PoolFqdn -eq $f.sqlServerFqdn } | ForEach-Object { if ($_.Role -like '*Archiving*') { 'archiving' } else { 'monitoring' } })",
    "  if ($f.edition -eq 'enterprise' -and $f.poolFqdn) { $f.mirrored = @(Get-CsDatabaseMirrorState -PoolFqdn $f.poolFqdn -ErrorAction SilentlyContinue | Where-Object { $_.StateOnPrimary -eq 'Principal' }).Count -gt 0 }",
    '}',
    "$f.pendingReboot = (Test-Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending') -or (Test-Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired') -or [bool](Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Session Manager' -Name PendingFileRenameOperations -ErrorAction SilentlyContinue).PendingFileRenameOperations",
    ...(p.packagePath
      ? [
          `$pkg = ${psQuote(p.packagePath)}`,
          "if (Test-Path -LiteralPath $pkg -PathType Leaf) { $sig = Get-AuthenticodeSignature -LiteralPath $pkg; $f.package = @{ exists = $true; fileName = (Split-Path -Leaf $pkg); sha256 = (Get-FileHash -LiteralPath $pkg -Algorithm SHA256).Hash; signature = [string]$sig.Status; signer = [string]$sig.SignerCertificate.Subject } } else { $f.package = @{ exists = $false } }",
        ]
      : []),
    'Write-CspatchData @{ facts = $f }',
  ],
});
