import { z } from 'zod';
import { PRODUCTS } from '../products.js';
import { psQuote } from '../ps-quote.js';
import { productSchema, runIdSchema, sha256Schema, windowsPathSchema } from '../schemas.js';
import { defineStep } from '../step-definition.js';
import { fail, installerName, productParams, workDirLines } from './common.js';

/** Document step 1: the account running the runner must hold CsAdministrator and local admin. */
export const checkAdminRole = defineStep({
  id: 'check-admin-role',
  docStep: 1,
  kind: 'check',
  params: productParams,
  needsModule: true,
  display: () => "(Get-CsAdminRoleAssignment -Identity $env:USERNAME) -contains 'CsAdministrator'",
  body: () => [
    '$identity = [Security.Principal.WindowsIdentity]::GetCurrent()',
    "$sam = $identity.Name.Split('\\')[-1]",
    '$roles = @(Get-CsAdminRoleAssignment -Identity $sam)',
    '$localAdmin = ([Security.Principal.WindowsPrincipal]$identity).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)',
    "Write-CspatchData @{ account = $identity.Name; csAdministrator = ($roles -contains 'CsAdministrator'); localAdministrator = $localAdmin }",
    `if (-not ($roles -contains 'CsAdministrator')) { ${fail('the runner account is not a member of CsAdministrator', 10)} }`,
    `if (-not $localAdmin) { ${fail('the runner is not running elevated as a local Administrator', 11)} }`,
  ],
});

/**
 * Document step 2: the package must exist, be the right installer for the product, carry a valid
 * Microsoft Authenticode signature, and hash to the SHA-256 the approvers saw in the plan. It is
 * copied into the run's own folder so the installer's logs land there.
 */
export const checkPackage = defineStep({
  id: 'check-package',
  docStep: 2,
  kind: 'check',
  params: z
    .object({
      product: productSchema,
      runId: runIdSchema,
      packagePath: windowsPathSchema,
      packageSha256: sha256Schema,
      minFreeBytes: z.number().int().min(0).max(2 ** 50),
    })
    .strict(),
  needsModule: false,
  display: (p) => `Get-AuthenticodeSignature; Get-FileHash -Algorithm SHA256; Copy-Item -LiteralPath '${p.packagePath}' -Destination $env:ProgramData\\cspatch\\${p.runId}`,
  body: (p) => [
    `$src = ${psQuote(p.packagePath)}`,
    `if (-not (Test-Path -LiteralPath $src -PathType Leaf)) { ${fail('the update package was not found at that path', 20)} }`,
    `if ((Split-Path -Leaf $src) -ne ${psQuote(installerName(p.product))}) { ${fail(`the package is not ${installerName(p.product)}, the installer for ${PRODUCTS[p.product].label}`, 21)} }`,
    '$sig = Get-AuthenticodeSignature -LiteralPath $src',
    "Write-CspatchData @{ signature = [string]$sig.Status; signer = [string]$sig.SignerCertificate.Subject }",
    `if ($sig.Status -ne 'Valid' -or [string]$sig.SignerCertificate.Subject -notmatch 'O=Microsoft Corporation') { ${fail('the package is not validly signed by Microsoft', 22)} }`,
    '$drive = Get-PSDrive -Name $env:SystemDrive.TrimEnd(\':\')',
    `Write-CspatchData @{ freeBytes = [int64]$drive.Free }`,
    `if ($drive.Free -lt ${p.minFreeBytes}) { ${fail('not enough free disk space on the system drive', 24)} }`,
    ...workDirLines(p.runId),
    'New-Item -ItemType Directory -Force -Path $work | Out-Null',
    `$dst = Join-Path $work ${psQuote(installerName(p.product))}`,
    'Copy-Item -LiteralPath $src -Destination $dst -Force',
    '$hash = (Get-FileHash -LiteralPath $dst -Algorithm SHA256).Hash',
    'Write-CspatchData @{ sha256 = $hash; localCopy = $dst }',
    `if ($hash -ne ${psQuote(p.packageSha256)}) { ${fail('the package SHA-256 differs from the one in the approved plan', 23)} }`,
  ],
});

/** Added by cspatch: an installer started with a reboot pending can leave files half replaced. */
export const checkPendingReboot = defineStep({
  id: 'check-pending-reboot',
  docStep: null,
  kind: 'check',
  params: productParams,
  needsModule: false,
  display: () => 'Test-Path ...\\RebootPending, ...\\RebootRequired; (Get-ItemProperty ...\\Session Manager).PendingFileRenameOperations',
  body: () => [
    "$reasons = @()",
    "if (Test-Path -LiteralPath 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending') { $reasons += 'component-servicing' }",
    "if (Test-Path -LiteralPath 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired') { $reasons += 'windows-update' }",
    // A value, not a key: Test-Path on it is always false, so read the property instead.
    "$pfro = (Get-ItemProperty -LiteralPath 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Session Manager' -Name PendingFileRenameOperations -ErrorAction SilentlyContinue).PendingFileRenameOperations",
    "if ($pfro) { $reasons += 'pending-file-rename' }",
    'Write-CspatchData @{ pendingReboot = ($reasons.Count -gt 0); reasons = $reasons }',
    `if ($reasons.Count -gt 0) { ${fail('a reboot is pending on this server; restart it before patching', 25)} }`,
  ],
});

/** Document step 6: other shells that loaded the Cs module hold files the installer replaces. */
export const checkShells = defineStep({
  id: 'check-shells',
  docStep: 6,
  kind: 'check',
  params: productParams,
  needsModule: false,
  display: () => "Get-Process powershell, powershell_ise, pwsh | Where-Object { $_.Modules.ModuleName -contains 'Microsoft.Rtc.Management.dll' }",
  body: () => [
    '$others = @(Get-Process -Name powershell, powershell_ise, pwsh -ErrorAction SilentlyContinue | Where-Object { $_.Id -ne $PID -and (@($_.Modules | ForEach-Object { $_.ModuleName }) -contains \'Microsoft.Rtc.Management.dll\') })',
    "$list = @($others | ForEach-Object { @{ pid = $_.Id; name = $_.ProcessName; user = (Get-CimInstance Win32_Process -Filter \"ProcessId=$($_.Id)\" | Invoke-CimMethod -MethodName GetOwner).User } })",
    "if ($list.Count -gt 0) { Write-CspatchData @{ gate = 'open-shells'; processes = $list } } else { Write-Output 'no other management shell is open' }",
  ],
});

