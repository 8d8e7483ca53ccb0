import { z } from 'zod';
import { PRODUCTS, type ProductId } from '../products.js';
import { psQuote } from '../ps-quote.js';
import { productSchema, runIdSchema } from '../schemas.js';

export const productParams = z.object({ product: productSchema }).strict();
export const runParams = z.object({ product: productSchema, runId: runIdSchema }).strict();

/** A failure line on stderr and a distinct exit code, so the log and the thread say the same. */
export function fail(message: string, code: number): string {
  return `[Console]::Error.WriteLine(${psQuote(message)}); exit ${code}`;
}

/** Every run works in its own folder, because the installer writes its logs beside itself. */
export function workDirLines(runId: string): string[] {
  return [`$work = Join-Path $env:ProgramData (Join-Path 'cspatch' ${psQuote(runId)})`];
}

export function installerName(product: ProductId): string {
  return PRODUCTS[product].installer;
}

/** Lines that stop the step when any Cs service is not in the wanted state. */
export function requireServiceState(state: 'Stopped' | 'Running', exitCode: number): string[] {
  return [
    `$left = @(Get-CsWindowsService -ExcludeActivityLevel | Where-Object { $_.Status -ne '${state}' })`,
    `Write-CspatchData @{ services = @(Get-CsWindowsService -ExcludeActivityLevel | ForEach-Object { @{ name = $_.Name; status = [string]$_.Status } }) }`,
    `if ($left.Count -gt 0) { $left | ForEach-Object { [Console]::Error.WriteLine('not ${state}: ' + $_.Name + ' ' + $_.Status) }; exit ${exitCode} }`,
  ];
}
