import { describe, it, expect } from '@jest/globals';
import { buildPlan } from '../../commands/build-plan.js';
import { CATALOG, STEP_IDS } from '../../commands/catalog.js';
import { PRODUCT_IDS, type ProductId } from '../../commands/products.js';
import {
  DATA_PREFIX,
  decodeCommand,
  encodeCommand,
  powershellArgs,
  renderScript,
  stepIdOfScript,
} from '../../commands/render-script.js';
import { caught, factsFor, VARIANTS, type Variant } from '../helpers/plan-facts.js';

const SHA = '0123456789abcdef'.repeat(4);

const HEADER = [
  "$ErrorActionPreference = 'Stop'",
  "$ProgressPreference = 'SilentlyContinue'",
  '[Console]::OutputEncoding = [System.Text.Encoding]::UTF8',
  "function Write-CspatchData($data) { [Console]::Out.WriteLine('CSPATCH:' + ($data | ConvertTo-Json -Compress -Depth 6)) }",
];

const MODULE_LINES: Record<ProductId, string[]> = {
  lync2013: [
    "try { Import-Module -Name 'Lync' -ErrorAction Stop }",
    "catch { Import-Module -Name (Join-Path ${env:CommonProgramFiles} 'Microsoft Lync Server 2013\\Modules\\Lync\\Lync.psd1') -ErrorAction Stop }",
  ],
  sfb2015: [
    "try { Import-Module -Name 'SkypeForBusiness' -ErrorAction Stop }",
    "catch { Import-Module -Name (Join-Path ${env:CommonProgramFiles} 'Skype for Business Server 2015\\Modules\\SkypeForBusiness\\SkypeForBusiness.psd1') -ErrorAction Stop }",
  ],
  sfb2019: [
    "try { Import-Module -Name 'SkypeForBusiness' -ErrorAction Stop }",
    "catch { Import-Module -Name (Join-Path ${env:CommonProgramFiles} 'Skype for Business Server 2019\\Modules\\SkypeForBusiness\\SkypeForBusiness.psd1') -ErrorAction Stop }",
  ],
};

const DATABASE_LINE: Record<Variant, string> = {
  enterprise: "Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn 'sql01.contoso.com' -Confirm:$false",
  'enterprise-collocated': "Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn 'sql01.contoso.com' -ExcludeCollocatedStores -Confirm:$false",
  standard: 'Install-CsDatabase -Update -LocalDatabases -Confirm:$false',
};

function lines(script: string): string[] {
  expect(script.endsWith('\r\n')).toBe(true);
  return script.slice(0, -2).split('\r\n');
}

describe('renderScript: the database step (document step 11)', () => {
  for (const product of PRODUCT_IDS) {
    for (const variant of VARIANTS) {
      it(`${product} / ${variant} renders exactly the documented command`, () => {
        const params =
          variant === 'standard' ? { product, variant } : { product, variant, sqlServerFqdn: 'sql01.contoso.com' };
        expect(lines(renderScript('update-databases', params))).toEqual([
          '# cspatch step update-databases (procedure step 11)',
          ...HEADER,
          ...MODULE_LINES[product],
          DATABASE_LINE[variant],
          'exit 0',
        ]);
      });
    }
  }

  it('quotes a normalised SQL Server FQDN', () => {
    const script = renderScript('update-databases', { product: 'sfb2019', variant: 'enterprise', sqlServerFqdn: 'SQL01.Contoso.com.' });
    expect(lines(script)).toContain(DATABASE_LINE.enterprise);
  });
});

describe('renderScript: every step of every plan', () => {
  for (const product of PRODUCT_IDS) {
    for (const variant of VARIANTS) {
      it(`${product} / ${variant}`, () => {
        const plan = buildPlan(factsFor(product, variant, SHA));
        for (const step of plan.steps) {
          const script = renderScript(step.stepId, step.params);
          const all = lines(script);
          const origin = step.docStep === null ? 'added by cspatch' : `procedure step ${step.docStep}`;
          expect(all[0]).toBe(`# cspatch step ${step.stepId} (${origin})`);
          expect(stepIdOfScript(script)).toBe(step.stepId);
          expect(all.slice(1, 1 + HEADER.length)).toEqual(HEADER);
          expect(all.at(-1)).toBe('exit 0');
          if (CATALOG[step.stepId].needsModule) {
            expect(all.slice(1 + HEADER.length, 3 + HEADER.length)).toEqual(MODULE_LINES[product]);
          } else {
            expect(script).not.toContain('Import-Module -Name');
          }
          if (step.stepId === 'update-databases') expect(all).toContain(DATABASE_LINE[variant]);
        }
      });
    }
  }

  it('puts the product-specific installer, hash and run folder into the install step, all quoted', () => {
    const script = renderScript('install-update', { product: 'lync2013', runId: 'run0001', packageSha256: SHA });
    expect(lines(script)).toEqual(
      expect.arrayContaining([
        "$work = Join-Path $env:ProgramData (Join-Path 'cspatch' 'run0001')",
        "$exe = Join-Path $work 'LyncServerUpdateInstaller.exe'",
        "$proc = Start-Process -FilePath $exe -ArgumentList '/silentmode' -WorkingDirectory $work -Wait -PassThru -NoNewWindow",
      ]),
    );
    expect(script).toContain(`-ne '${SHA.toUpperCase()}'`);
    expect(script).not.toContain('/forcereboot');
  });

  it('passes the package path to -LiteralPath through a quoted variable', () => {
    const script = renderScript('check-package', {
      product: 'sfb2015',
      runId: 'run0001',
      packagePath: '\\\\fs01\\share\\CU (2024)\\SkypeServerUpdateInstaller.exe',
      packageSha256: SHA,
      minFreeBytes: 2147483648,
    });
    expect(lines(script)).toContain("$src = '\\\\fs01\\share\\CU (2024)\\SkypeServerUpdateInstaller.exe'");
    expect(lines(script)).toContain(
      "if ($drive.Free -lt 2147483648) { [Console]::Error.WriteLine('not enough free disk space on the system drive'); exit 24 }",
    );
  });

  it('marks data lines with the CSPATCH: prefix', () => {
    expect(DATA_PREFIX).toBe('CSPATCH:');
  });

  it('renders every catalog step from minimal valid parameters', () => {
    const params: Record<string, unknown> = {
      'detect-facts': {},
      'check-package': { product: 'sfb2019', runId: 'run0001', packagePath: 'C:\\u\\SkypeServerUpdateInstaller.exe', packageSha256: SHA, minFreeBytes: 0 },
      'install-update': { product: 'sfb2019', runId: 'run0001', packageSha256: SHA },
      'update-databases': { product: 'sfb2019', variant: 'standard' },
      verify: { product: 'sfb2019', edition: 'standard' },
    };
    for (const id of STEP_IDS) {
      const script = renderScript(id, params[id] ?? { product: 'sfb2019' });
      expect(stepIdOfScript(script)).toBe(id);
      expect(script.endsWith('exit 0\r\n')).toBe(true);
    }
  });
});

describe('encodeCommand / decodeCommand / powershellArgs', () => {
  it('encodes as base64 of UTF-16LE, as -EncodedCommand expects', () => {
    expect(encodeCommand('dir')).toBe('ZABpAHIA');
    expect(encodeCommand('A')).toBe('QQA=');
    expect(Buffer.from(encodeCommand('é'), 'base64')).toEqual(Buffer.from([0xe9, 0x00]));
  });

  it('round-trips ASCII, non-ASCII and astral characters', () => {
    for (const text of ['', 'exit 0\r\n', "Grüße, ‘quoted’ — 中文 ✓", 'музыка 𝄞 😀', renderScript('stop-w3svc', { product: 'sfb2019' })]) {
      expect(decodeCommand(encodeCommand(text))).toBe(text);
    }
  });

  it('builds exactly the contract argument list', () => {
    const script = renderScript('start-w3svc', { product: 'lync2013' });
    const args = powershellArgs(script);
    expect(args).toEqual(['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', encodeCommand(script)]);
    expect(args).toHaveLength(7);
    expect(decodeCommand(args[6]!)).toBe(script);
  });
});

describe('renderScript refusals', () => {
  for (const id of ['format-disk', '', 'Verify', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    it(`refuses unknown step ${JSON.stringify(id)} with unknown_step`, () => {
      let script: string | undefined;
      const err = caught(() => {
        script = renderScript(id, { product: 'sfb2019' });
      });
      expect(err.code).toBe('unknown_step');
      expect(err.message).toBe(`"${id}" is not a step in the catalog`);
      expect(script).toBeUndefined();
    });
  }

  const bad: Array<[string, string, unknown, string]> = [
    ['a malformed SQL FQDN', 'update-databases', { product: 'sfb2019', variant: 'enterprise', sqlServerFqdn: 'sql01' }, 'sqlServerFqdn: give the fully qualified domain name'],
    ['a missing SQL FQDN', 'update-databases', { product: 'sfb2019', variant: 'enterprise-collocated' }, 'sqlServerFqdn: a server name is required'],
    ['an unknown variant', 'update-databases', { product: 'sfb2019', variant: 'cluster' }, 'variant: '],
    ['an unknown product', 'open-shell', { product: 'lync2010' }, 'product: product must be lync2013, sfb2015 or sfb2019'],
    ['a missing product', 'stop-services', {}, 'product: product must be lync2013, sfb2015 or sfb2019'],
    ['an unexpected key', 'stop-w3svc', { product: 'sfb2019', script: 'Remove-Item C:\\' }, 'script'],
    ['a SQL FQDN on Standard Edition', 'update-databases', { product: 'sfb2019', variant: 'standard', sqlServerFqdn: 'sql01.contoso.com' }, 'sqlServerFqdn'],
    ['a bad run id', 'install-update', { product: 'sfb2019', runId: 'RUN-1', packageSha256: SHA }, 'runId: a run id is 6 to 32 lowercase letters and digits'],
    ['a short hash', 'install-update', { product: 'sfb2019', runId: 'run0001', packageSha256: 'abc' }, 'packageSha256: a SHA-256 is 64 hexadecimal characters'],
    ['a negative free-space minimum', 'check-package', { product: 'sfb2019', runId: 'run0001', packagePath: 'C:\\u\\SkypeServerUpdateInstaller.exe', packageSha256: SHA, minFreeBytes: -1 }, 'minFreeBytes: '],
    ['a fractional free-space minimum', 'check-package', { product: 'sfb2019', runId: 'run0001', packagePath: 'C:\\u\\SkypeServerUpdateInstaller.exe', packageSha256: SHA, minFreeBytes: 1.5 }, 'minFreeBytes: '],
    ['a relative package path', 'detect-facts', { packagePath: 'Updates\\SkypeServerUpdateInstaller.exe' }, 'packagePath: give an absolute local path'],
    ['an enterprise verify without SQL FQDN', 'verify', { product: 'sfb2019', edition: 'enterprise' }, 'sqlServerFqdn: a server name is required'],
    ['parameters that are not an object', 'stop-w3svc', 'sfb2019', 'expected object'],
    ['null parameters', 'stop-w3svc', null, 'expected object'],
  ];
  for (const [what, id, params, fragment] of bad) {
    it(`refuses ${what} with param_invalid naming the field`, () => {
      let script: string | undefined;
      const err = caught(() => {
        script = renderScript(id, params);
      });
      expect(err.code).toBe('param_invalid');
      expect(err.message).toContain(fragment);
      expect(err.detail).toEqual({ stepId: id });
      expect(script).toBeUndefined();
    });
  }
});
