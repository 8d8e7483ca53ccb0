import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PRODUCT_IDS, EDITIONS } from '../commands/products.js';

/**
 * What the simulated server is and how it misbehaves. One JSON file drives the fake PowerShell
 * in tests and in the demo; every field but the identity has a default of "healthy server".
 */
const shellSchema = z.object({ pid: z.number().int().positive(), name: z.string().min(1), user: z.string() }).strict();

const failureSchema = z
  .object({
    exitCode: z.number().int().min(1).max(2 ** 31 - 1),
    stderr: z.string().default(''),
    /** fail only the first N attempts of the step (counted from the sim log), then behave */
    times: z.number().int().positive().optional(),
  })
  .strict();

export const MICROSOFT_SIGNER = 'CN=Microsoft Corporation, O=Microsoft Corporation, L=Redmond, S=Washington, C=US';

const packageSchema = z
  .object({
    exists: z.boolean().default(true),
    sha256: z.string().regex(/^[A-Fa-f0-9]{64}$/).default('3F2A5C0D9B8E7A6F5C4D3B2A1908F7E6D5C4B3A29180F7E6D5C4B3A291807F6E'),
    signature: z.enum(['Valid', 'NotSigned']).default('Valid'),
    signer: z.string().default(MICROSOFT_SIGNER),
  })
  .strict();

export const scenarioSchema = z
  .object({
    /** the server's FQDN as it resolves itself */
    server: z.string().min(1),
    product: z.enum(PRODUCT_IDS),
    edition: z.enum(EDITIONS),
    collocated: z.array(z.enum(['archiving', 'monitoring'])).default([]),
    /** Enterprise: the back end (or AlwaysOn listener); Standard: the server itself (default) */
    sqlServerFqdn: z.string().min(1).nullable().default(null),
    /** Enterprise: the Front End pool; Standard: the server itself (default) */
    poolFqdn: z.string().min(1).nullable().default(null),
    versionBefore: z.string().min(1),
    versionAfter: z.string().min(1),
    /** false on a dedicated SQL back end: no Cs services, no IIS */
    csComponents: z.boolean().default(true),
    mirrored: z.boolean().default(false),
    pendingReboot: z.boolean().default(false),
    csAdministrator: z.boolean().default(true),
    localAdministrator: z.boolean().default(true),
    account: z.string().default('CONTOSO\\svc-cspatch'),
    freeBytes: z.number().int().nonnegative().default(64 * 1024 ** 3),
    package: packageSchema.default(packageSchema.parse({})),
    /** Cs Windows services (Get-CsWindowsService names); defaults to a Front End's set */
    services: z.array(z.string().min(1)).optional(),
    /** other management shells check-shells reports… */
    openShells: z.array(shellSchema).default([]),
    /** …only for its first N invocations (then they have been closed) */
    openShellsFor: z.number().int().positive().optional(),
    /** the installer ends with 3010 (success, reboot required) */
    rebootRequired: z.boolean().default(false),
    /** verify: Cs services Get-CsWindowsService still shows not Running after the update */
    servicesNotRunning: z.array(z.string().min(1)).default([]),
    /** verify: databases Test-CsDatabase reports with InstalledVersion behind ExpectedVersion */
    databasesBehind: z.array(z.string().min(1)).default([]),
    fail: z.record(z.string(), failureSchema).default({}),
    /** steps that never end (until the runner kills them) */
    hang: z.array(z.string()).default([]),
    /** extra stdout lines a step prints before its own */
    print: z.record(z.string(), z.array(z.string())).default({}),
    /** how long a step takes after printing its lines */
    slowMs: z.record(z.string(), z.number().int().nonnegative()).default({}),
    /** a step that, after printing its lines, waits until this file exists: lets a test hold it open */
    waitForFile: z.record(z.string(), z.string().min(1)).default({}),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

export const DEFAULT_SERVICES = ['REPLICA', 'RTCCLSAGT', 'RTCSRV', 'RTCCAA', 'RTCCAS', 'RTCACS', 'RTCIMMCU', 'RTCDATAMCU', 'RTCAVMCU', 'RTCASMCU', 'RTCMEDSRV', 'RTCATS'];

/** A healthy Skype for Business Server 2019 Standard Edition server, for the demo. */
export const DEFAULT_SCENARIO: ScenarioInput = {
  server: 'se01.contoso.com',
  product: 'sfb2019',
  edition: 'standard',
  versionBefore: '7.0.2046.404',
  versionAfter: '7.0.2046.520',
};

export function parseScenario(input: unknown): Scenario {
  return scenarioSchema.parse(input);
}

/** Reads and validates a scenario file; no file means the default scenario. */
export function loadScenario(path: string | undefined): Scenario {
  if (!path) return parseScenario(DEFAULT_SCENARIO);
  return parseScenario(JSON.parse(readFileSync(path, 'utf8')));
}

/** The pool FQDN the server reports: Standard Edition is its own pool. */
export function poolOf(s: Scenario): string | null {
  return s.poolFqdn ?? (s.edition === 'standard' ? s.server : null);
}

/** The SQL Server the server reports: Standard Edition keeps its databases locally. */
export function sqlOf(s: Scenario): string | null {
  return s.sqlServerFqdn ?? (s.edition === 'standard' ? s.server : null);
}

export function servicesOf(s: Scenario): string[] {
  return s.csComponents ? (s.services ?? DEFAULT_SERVICES) : [];
}
