import { CspatchError, ErrorCode } from '../core/errors.js';
import { getStep } from './catalog.js';
import { PRODUCTS, type ProductId } from './products.js';
import { psQuote } from './ps-quote.js';
import { describeIssues } from './schemas.js';

/** Lines starting with this carry structured data (JSON) from a step back to the bot. */
export const DATA_PREFIX = 'CSPATCH:';

function moduleLines(product: ProductId): string[] {
  const p = PRODUCTS[product];
  // Import by name first; some servers lack the PSModulePath entry, so fall back to the .psd1.
  return [
    `try { Import-Module -Name ${psQuote(p.module)} -ErrorAction Stop }`,
    `catch { Import-Module -Name (Join-Path \${env:CommonProgramFiles} ${psQuote(p.moduleManifest)}) -ErrorAction Stop }`,
  ];
}

/**
 * The only place PowerShell text is made. Parameters are validated against the step's schema
 * first; a value that fails is refused with the reason, never rendered.
 *
 * @example renderScript('stop-w3svc', { product: 'sfb2019' })
 */
export function renderScript(stepId: string, rawParams: unknown): string {
  const def = getStep(stepId);
  const parsed = def.params.safeParse(rawParams);
  if (!parsed.success) {
    throw new CspatchError(ErrorCode.ParamInvalid, describeIssues(parsed.error), { stepId });
  }
  const params = parsed.data as Record<string, unknown>;
  const origin = def.docStep === null ? 'added by cspatch' : `procedure step ${def.docStep}`;
  const lines = [
    `# cspatch step ${def.id} (${origin})`,
    "$ErrorActionPreference = 'Stop'",
    "$ProgressPreference = 'SilentlyContinue'",
    // Windows PowerShell writes to a pipe in the OEM code page; the runner reads UTF-8.
    '[Console]::OutputEncoding = [System.Text.Encoding]::UTF8',
    `function Write-CspatchData($data) { [Console]::Out.WriteLine('${DATA_PREFIX}' + ($data | ConvertTo-Json -Compress -Depth 6)) }`,
    ...(def.needsModule ? moduleLines(params.product as ProductId) : []),
    ...def.body(params),
    'exit 0',
  ];
  return lines.join('\r\n') + '\r\n';
}

/** PowerShell's -EncodedCommand takes base64 of the UTF-16LE script. */
export function encodeCommand(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64');
}

export function decodeCommand(encoded: string): string {
  return Buffer.from(encoded, 'base64').toString('utf16le');
}

/** The exact argument list of the contract, ending with the encoded script. */
export function powershellArgs(script: string): string[] {
  return ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', encodeCommand(script)];
}

/** The step id a rendered script announces on its first line (the fake PowerShell reads it). */
export function stepIdOfScript(script: string): string | undefined {
  return /^# cspatch step ([a-z0-9-]+) /.exec(script)?.[1];
}
