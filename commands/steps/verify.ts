import { z } from 'zod';
import { psQuote } from '../ps-quote.js';
import { fqdnSchema, productSchema } from '../schemas.js';
import { defineStep } from '../step-definition.js';
import { fail } from './common.js';

const verifyParams = z.discriminatedUnion('edition', [
  z.object({ product: productSchema, edition: z.literal('enterprise'), sqlServerFqdn: fqdnSchema }).strict(),
  z.object({ product: productSchema, edition: z.literal('standard') }).strict(),
]);

/** Lines that print the installed version: a cmdlet on Skype for Business, the MSI registry on Lync. */
export function versionLines(product: z.infer<typeof productSchema>): string[] {
  if (product === 'lync2013') {
    return [
      "$v = Get-ItemProperty -Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*' -ErrorAction SilentlyContinue | Where-Object { $_.DisplayName -like 'Microsoft Lync Server 2013, Core Components*' } | Select-Object -First 1",
      '$version = [string]$v.DisplayVersion',
    ];
  }
  return [
    '$version = [string](Get-CsServerPatchVersion | ForEach-Object { [version]$_.Version } | Sort-Object -Descending | Select-Object -First 1)',
  ];
}

/**
 * Added by cspatch: services running, every database at the version the update expects, and the
 * version after, for the summary. Property names ExpectedVersion/InstalledVersion: lab.
 */
export const verifyStep = defineStep({
  id: 'verify',
  docStep: null,
  kind: 'verify',
  params: verifyParams,
  needsModule: true,
  display: (p) =>
    p.edition === 'enterprise'
      ? `Get-CsWindowsService; Test-CsDatabase -ConfiguredDatabases -SqlServerFqdn ${p.sqlServerFqdn}`
      : 'Get-CsWindowsService; Test-CsDatabase -LocalService',
  body: (p) => [
    "$notRunning = @(Get-CsWindowsService -ExcludeActivityLevel | Where-Object { $_.Status -ne 'Running' } | ForEach-Object { $_.Name })",
    p.edition === 'enterprise'
      ? `$dbs = @(Test-CsDatabase -ConfiguredDatabases -SqlServerFqdn ${psQuote(p.sqlServerFqdn)})`
      : '$dbs = @(Test-CsDatabase -LocalService)',
    '$behind = @($dbs | Where-Object { [string]$_.ExpectedVersion -ne [string]$_.InstalledVersion } | ForEach-Object { [string]$_.DatabaseName })',
    ...versionLines(p.product),
    'Write-CspatchData @{ versionAfter = $version; servicesNotRunning = $notRunning; databasesBehind = $behind; databases = @($dbs | ForEach-Object { @{ name = [string]$_.DatabaseName; expected = [string]$_.ExpectedVersion; installed = [string]$_.InstalledVersion } }) }',
    `if ($notRunning.Count -gt 0) { ${fail('some services are not running after the update', 40)} }`,
    `if ($behind.Count -gt 0) { ${fail('some databases are not at the expected version', 41)} }`,
  ],
});
