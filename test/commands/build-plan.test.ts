import { describe, it, expect } from '@jest/globals';
import { buildPlan, databaseVariant, planHash, DEFAULT_PLAN_OPTIONS, type Plan } from '../../commands/build-plan.js';
import { CATALOG } from '../../commands/catalog.js';
import { PRODUCTS, PRODUCT_IDS, type ProductId } from '../../commands/products.js';
import type { ConfirmedFactsInput } from '../../commands/schemas.js';
import type { StepKind } from '../../commands/step-definition.js';
import { caught, factsFor, PLAN_STEP_IDS, VARIANTS, type Variant } from '../helpers/plan-facts.js';

const SHA = 'ab'.repeat(32);

const RUN = 'run0001';
const EXPECTED_DOC_STEPS = [1, 2, null, 3, 4, 5, 6, 7, 8, 9, 10, 11, null, null];
const EXPECTED_KINDS: StepKind[] = [
  'check',
  'check',
  'check',
  'shell',
  'service',
  'service',
  'check',
  'install',
  'shell',
  'service',
  'service',
  'database',
  'service',
  'verify',
];

const MODULE: Record<ProductId, string> = { lync2013: 'Lync', sfb2015: 'SkypeForBusiness', sfb2019: 'SkypeForBusiness' };
const INSTALLER: Record<ProductId, string> = {
  lync2013: 'LyncServerUpdateInstaller.exe',
  sfb2015: 'SkypeServerUpdateInstaller.exe',
  sfb2019: 'SkypeServerUpdateInstaller.exe',
};
const DATABASE_COMMAND: Record<Variant, string> = {
  enterprise: 'Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn sql01.contoso.com',
  'enterprise-collocated': 'Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn sql01.contoso.com -ExcludeCollocatedStores',
  standard: 'Install-CsDatabase -Update -LocalDatabases',
};
const VERIFY_COMMAND: Record<Variant, string> = {
  enterprise: 'Get-CsWindowsService; Test-CsDatabase -ConfiguredDatabases -SqlServerFqdn sql01.contoso.com',
  'enterprise-collocated': 'Get-CsWindowsService; Test-CsDatabase -ConfiguredDatabases -SqlServerFqdn sql01.contoso.com',
  standard: 'Get-CsWindowsService; Test-CsDatabase -LocalService',
};

function expectedCommands(product: ProductId, variant: Variant): string[] {
  return [
    "(Get-CsAdminRoleAssignment -Identity $env:USERNAME) -contains 'CsAdministrator'",
    `Get-AuthenticodeSignature; Get-FileHash -Algorithm SHA256; Copy-Item -LiteralPath 'C:\\Updates\\${INSTALLER[product]}' -Destination $env:ProgramData\\cspatch\\run0001`,
    'Test-Path ...\\RebootPending, ...\\RebootRequired; (Get-ItemProperty ...\\Session Manager).PendingFileRenameOperations',
    `Import-Module ${MODULE[product]}`,
    'Stop-CsWindowsService',
    'net stop w3svc',
    "Get-Process powershell, powershell_ise, pwsh | Where-Object { $_.Modules.ModuleName -contains 'Microsoft.Rtc.Management.dll' }",
    `${INSTALLER[product]} /silentmode`,
    `Import-Module ${MODULE[product]}`,
    'Stop-CsWindowsService',
    'net start w3svc',
    DATABASE_COMMAND[variant],
    'Start-CsWindowsService',
    VERIFY_COMMAND[variant],
  ];
}

function stepOf(plan: Plan, stepId: string) {
  const step = plan.steps.find((s) => s.stepId === stepId);
  if (!step) throw new Error(`plan has no ${stepId}`);
  return step;
}

describe('buildPlan: the documented procedure for every product and database variant', () => {
  for (const product of PRODUCT_IDS) {
    for (const variant of VARIANTS) {
      describe(`${product} / ${variant}`, () => {
        const plan = buildPlan(factsFor(product, variant, SHA));

        it('has exactly the expected steps, in order, numbered from 1', () => {
          expect(plan.steps.map((s) => s.stepId)).toEqual(PLAN_STEP_IDS);
          expect(plan.steps.map((s) => s.index)).toEqual(PLAN_STEP_IDS.map((_, i) => i + 1));
          expect(plan.steps.map((s) => s.kind)).toEqual(EXPECTED_KINDS);
        });

        it('shows exactly the expected command for each step', () => {
          expect(plan.steps.map((s) => s.command)).toEqual(expectedCommands(product, variant));
        });

        it('labels the document steps 1..11 in order and the added steps with null', () => {
          expect(plan.steps.map((s) => s.docStep)).toEqual(EXPECTED_DOC_STEPS);
          const numbered = plan.steps.map((s) => s.docStep).filter((d): d is number => d !== null);
          expect(numbered).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
          expect(plan.steps.filter((s) => s.docStep === null).map((s) => s.stepId)).toEqual([
            'check-pending-reboot',
            'start-services',
            'verify',
          ]);
        });

        it('selects the database variant from the facts', () => {
          expect(plan.variant).toBe(variant);
          expect(databaseVariant(plan.facts)).toBe(variant);
          const db = stepOf(plan, 'update-databases');
          if (variant === 'standard') {
            expect(db.params).toEqual({ product, variant: 'standard' });
          } else {
            expect(db.params).toEqual({ product, variant, sqlServerFqdn: 'sql01.contoso.com' });
          }
        });

        it("installs with the product's installer and imports the product's module", () => {
          expect(stepOf(plan, 'install-update').command).toBe(`${PRODUCTS[product].installer} /silentmode`);
          expect(stepOf(plan, 'install-update').params).toEqual({ product, runId: RUN, packageSha256: SHA.toUpperCase() });
          expect(stepOf(plan, 'open-shell').command).toBe(`Import-Module ${PRODUCTS[product].module}`);
          expect(stepOf(plan, 'reopen-shell').command).toBe(`Import-Module ${PRODUCTS[product].module}`);
        });

        it('gives every step parameters that its own catalog schema accepts unchanged', () => {
          for (const step of plan.steps) {
            expect(CATALOG[step.stepId].params.parse(step.params)).toEqual(step.params);
            expect(step.params).toHaveProperty('product', product);
          }
        });
      });
    }
  }

  it('passes the minimum free space to the package check', () => {
    const plan = buildPlan(factsFor('sfb2019', 'enterprise', SHA), { extraSteps: true, minFreeBytes: 5 });
    expect(stepOf(plan, 'check-package').params).toEqual({
      product: 'sfb2019',
      runId: RUN,
      packagePath: 'C:\\Updates\\SkypeServerUpdateInstaller.exe',
      packageSha256: SHA.toUpperCase(),
      minFreeBytes: 5,
    });
    expect(DEFAULT_PLAN_OPTIONS).toEqual({ extraSteps: true, minFreeBytes: 2 * 1024 ** 3 });
    expect(stepOf(buildPlan(factsFor('sfb2019', 'enterprise', SHA)), 'check-package').params.minFreeBytes).toBe(2 * 1024 ** 3);
  });

  it('normalises the confirmed facts (lower-case FQDNs, upper-case SHA-256)', () => {
    const plan = buildPlan({ ...factsFor('sfb2015', 'enterprise', SHA), server: 'BE01.Contoso.COM.', sqlServerFqdn: 'SQL01.contoso.com' });
    expect(plan.facts.server).toBe('be01.contoso.com');
    expect(plan.facts.sqlServerFqdn).toBe('sql01.contoso.com');
    expect(plan.facts.packageSha256).toBe(SHA.toUpperCase());
    expect(stepOf(plan, 'update-databases').command).toBe(DATABASE_COMMAND.enterprise);
  });

  it('accepts a Standard Edition server that names itself as its SQL Server', () => {
    const plan = buildPlan({ ...factsFor('sfb2019', 'standard', SHA), sqlServerFqdn: 'SE01.contoso.com' });
    expect(plan.variant).toBe('standard');
    expect(stepOf(plan, 'update-databases').command).toBe('Install-CsDatabase -Update -LocalDatabases');
    expect(stepOf(plan, 'verify').params).toEqual({ product: 'sfb2019', edition: 'standard' });
  });

  it('accepts the installer name in any letter case and from a UNC share', () => {
    const plan = buildPlan({ ...factsFor('lync2013', 'enterprise', SHA), packagePath: '\\\\fs01\\updates\\cu\\lyncserverupdateinstaller.EXE' });
    expect(stepOf(plan, 'install-update').command).toBe('LyncServerUpdateInstaller.exe /silentmode');
  });
});

describe('buildPlan: extraSteps', () => {
  for (const product of PRODUCT_IDS) {
    for (const variant of VARIANTS) {
      it(`${product} / ${variant}: extraSteps false stops at document step 11`, () => {
        const plan = buildPlan(factsFor(product, variant, SHA), { extraSteps: false, minFreeBytes: 0 });
        expect(plan.steps.map((s) => s.stepId)).toEqual(PLAN_STEP_IDS.slice(0, 12));
        expect(plan.steps.map((s) => s.command)).toEqual(expectedCommands(product, variant).slice(0, 12));
        expect(plan.steps.at(-1)?.docStep).toBe(11);
        expect(plan.steps.map((s) => s.stepId)).not.toContain('start-services');
        expect(plan.steps.map((s) => s.stepId)).not.toContain('verify');
      });
    }
  }
});

describe('buildPlan: impossible combinations', () => {
  it('refuses collocated stores on Standard Edition', () => {
    const err = caught(() => buildPlan({ ...factsFor('sfb2019', 'standard', SHA), collocatedStores: true }));
    expect(err.code).toBe('plan_impossible');
    expect(err.message).toBe(
      'a Standard Edition server keeps all its databases locally; collocated stores apply to an Enterprise Edition back end only',
    );
  });

  for (const variant of ['enterprise', 'enterprise-collocated'] as const) {
    it(`refuses ${variant} without a SQL Server FQDN`, () => {
      const facts: ConfirmedFactsInput = { ...factsFor('sfb2015', variant, SHA) };
      delete facts.sqlServerFqdn;
      const err = caught(() => buildPlan(facts));
      expect(err.code).toBe('plan_impossible');
      expect(err.message).toBe('an Enterprise Edition back end needs the SQL Server FQDN (the AlwaysOn listener where there is one)');
    });
  }

  it('refuses Standard Edition with a different SQL Server FQDN', () => {
    const err = caught(() => buildPlan({ ...factsFor('lync2013', 'standard', SHA), sqlServerFqdn: 'sql01.contoso.com' }));
    expect(err.code).toBe('plan_impossible');
    expect(err.message).toBe('a Standard Edition server uses its own local SQL Server; leave the SQL Server FQDN empty');
  });

  const mismatches: Array<[ProductId, string]> = [
    ['lync2013', 'SkypeServerUpdateInstaller.exe'],
    ['sfb2015', 'LyncServerUpdateInstaller.exe'],
    ['sfb2019', 'LyncServerUpdateInstaller.exe'],
    ['sfb2019', 'SkypeServerUpdateInstaller.msi'],
    ['sfb2019', 'setup.exe'],
  ];
  for (const [product, file] of mismatches) {
    it(`refuses ${file} for ${product}`, () => {
      const err = caught(() => buildPlan({ ...factsFor(product, 'enterprise', SHA), packagePath: `C:\\Updates\\${file}` }));
      expect(err.code).toBe('plan_impossible');
      expect(err.message).toBe(`${PRODUCTS[product].label} is updated with ${PRODUCTS[product].installer}; the package path names ${file}`);
    });
  }

  it('refuses a package path that names a folder, not a file', () => {
    const err = caught(() => buildPlan({ ...factsFor('sfb2019', 'enterprise', SHA), packagePath: 'C:\\Updates\\SkypeServerUpdateInstaller.exe\\' }));
    expect(err.code).toBe('plan_impossible');
  });

  it('refuses malformed facts with param_invalid naming the field', () => {
    const err = caught(() => buildPlan({ ...factsFor('sfb2019', 'enterprise', SHA), runId: 'X' }));
    expect(err.code).toBe('param_invalid');
    expect(err.message).toBe('runId: a run id is 6 to 32 lowercase letters and digits');
    const extra = caught(() => buildPlan({ ...factsFor('sfb2019', 'enterprise', SHA), unexpected: true } as unknown as ConfirmedFactsInput));
    expect(extra.code).toBe('param_invalid');
    expect(extra.message).toContain('unexpected');
    const product = caught(() => buildPlan({ ...factsFor('sfb2019', 'enterprise', SHA), product: 'sfb2022' } as unknown as ConfirmedFactsInput));
    expect(product.code).toBe('param_invalid');
    expect(product.message).toBe('product: product must be lync2013, sfb2015 or sfb2019');
  });
});

describe('plan hash', () => {
  const base = factsFor('sfb2019', 'enterprise', SHA);

  it('is a SHA-256 hex digest, stable for equal input', () => {
    const a = buildPlan(base);
    const b = buildPlan({ ...base });
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.hash).toBe(a.hash);
    expect(planHash(a.facts, a.steps)).toBe(a.hash);
  });

  it('does not depend on key order', () => {
    const reversed = Object.fromEntries(Object.entries(base).reverse()) as ConfirmedFactsInput;
    expect(Object.keys(reversed)).not.toEqual(Object.keys(base));
    expect(buildPlan(reversed).hash).toBe(buildPlan(base).hash);
    const plan = buildPlan(base);
    const reorderedFacts = Object.fromEntries(Object.entries(plan.facts).reverse()) as typeof plan.facts;
    const reorderedSteps = plan.steps.map((s) => ({
      params: Object.fromEntries(Object.entries(s.params).reverse()),
      stepId: s.stepId,
    }));
    expect(planHash(reorderedFacts, reorderedSteps)).toBe(plan.hash);
  });

  it('is the same for inputs that normalise to the same facts', () => {
    const shouty = { ...base, server: 'BE01.CONTOSO.COM', sqlServerFqdn: 'sql01.contoso.com.', packageSha256: SHA.toUpperCase() };
    expect(buildPlan(shouty).hash).toBe(buildPlan(base).hash);
  });

  const changes: Array<[string, ConfirmedFactsInput]> = [
    ['server', { ...base, server: 'be02.contoso.com' }],
    ['product', { ...base, product: 'sfb2015' }],
    ['edition', { ...factsFor('sfb2019', 'standard', SHA), server: 'be01.contoso.com' }],
    ['collocatedStores', { ...base, collocatedStores: true }],
    ['sqlServerFqdn', { ...base, sqlServerFqdn: 'sql02.contoso.com' }],
    ['packagePath', { ...base, packagePath: 'D:\\Updates\\SkypeServerUpdateInstaller.exe' }],
    ['packageSha256', { ...base, packageSha256: 'cd'.repeat(32) }],
    ['runId', { ...base, runId: 'run0002' }],
  ];
  for (const [field, facts] of changes) {
    it(`changes when ${field} changes`, () => {
      expect(buildPlan(facts).hash).not.toBe(buildPlan(base).hash);
    });
  }

  it('changes when a parameter or the step list changes', () => {
    const reference = buildPlan(base).hash;
    expect(buildPlan(base, { extraSteps: true, minFreeBytes: 1 }).hash).not.toBe(reference);
    expect(buildPlan(base, { extraSteps: false, minFreeBytes: DEFAULT_PLAN_OPTIONS.minFreeBytes }).hash).not.toBe(reference);
    const plan = buildPlan(base);
    const altered = plan.steps.map((s) =>
      s.stepId === 'update-databases' ? { stepId: s.stepId, params: { ...s.params, variant: 'enterprise-collocated' } } : s,
    );
    expect(planHash(plan.facts, altered)).not.toBe(reference);
    const swapped = [...plan.steps];
    [swapped[4], swapped[5]] = [plan.steps[5]!, plan.steps[4]!];
    expect(planHash(plan.facts, swapped)).not.toBe(reference);
  });
});
