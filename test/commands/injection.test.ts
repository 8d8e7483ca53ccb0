import { describe, it, expect } from '@jest/globals';
import fc from 'fast-check';
import { buildPlan, type Plan } from '../../commands/build-plan.js';
import { psQuote } from '../../commands/ps-quote.js';
import { renderScript } from '../../commands/render-script.js';
import { fqdnSchema, windowsPathSchema, type ConfirmedFacts, type ConfirmedFactsInput } from '../../commands/schemas.js';
import { CspatchError } from '../../core/errors.js';
import { caught } from '../helpers/plan-facts.js';

/*
 * No value may become code. Every hostile value must be refused before a script exists, with a
 * sentence that says what is allowed; every accepted value must sit inside one single-quoted
 * literal and leave the rest of the script byte-for-byte as the reference rendering.
 */

const SHA = 'ab'.repeat(32);
const REFERENCE: ConfirmedFactsInput = {
  server: 'be01.contoso.com',
  product: 'sfb2019',
  edition: 'enterprise',
  collocatedStores: false,
  sqlServerFqdn: 'sql01.contoso.com',
  packagePath: 'C:\\Updates\\SkypeServerUpdateInstaller.exe',
  packageSha256: SHA,
  runId: 'run0001',
};

const FQDN_ASCII = 'use a plain ASCII name such as fe01.contoso.com (no spaces, no accented or look-alike letters)';
const FQDN_SHAPE = 'give the fully qualified domain name, such as be01.contoso.com (letters, digits and hyphens, dot-separated)';
const FQDN_LONG = 'a fully qualified domain name has at most 253 characters';
const FQDN_NUMERIC = 'the last part of a domain name cannot be numeric: give the name, not an IP address';
const PATH_CHARS = 'the path may only contain letters, digits, spaces and . _ - \\ : ( ) + , ~ # @ ! (no quotes, $, `, ; or wildcards)';
const PATH_DOTS = 'the path may not contain . or .. segments';
const PATH_LONG = 'the path is too long: Windows paths must stay under 260 characters; use a shorter folder';
const PATH_COLON = 'a colon may only follow the drive letter';
const PATH_ABSOLUTE = 'give an absolute local path (C:\\Updates\\...) or a UNC path (\\\\server\\share\\...)';
const RUN_ID = 'a run id is 6 to 32 lowercase letters and digits';
const SHA_MSG = 'a SHA-256 is 64 hexadecimal characters';

/** A syntactically valid FQDN of exactly n characters (n >= 5). */
function fqdnOfLength(n: number): string {
  const labels: string[] = [];
  let left = n - 4; // room for the ".com" suffix
  while (left > 0) {
    const size = Math.min(63, left);
    labels.push('a'.repeat(size));
    left -= size + 1;
  }
  const name = `${labels.join('.')}.com`;
  return name.length === n ? name : `b${name}`;
}

type Case = readonly [label: string, value: string, message: string];

const FQDN_CASES: readonly Case[] = [
  ['ASCII single quote', "sql01'.contoso.com", FQDN_SHAPE],
  ['quote breaking out with a command', "sql01.contoso.com'; Restart-Computer -Force; '", FQDN_ASCII],
  ['left single quotation mark U+2018', 'sql01\u2018.contoso.com', FQDN_ASCII],
  ['right single quotation mark U+2019', 'sql01.contoso.com\u2019;calc;\u2019', FQDN_ASCII],
  ['single low-9 quotation mark U+201A', 'sql01\u201A.contoso.com', FQDN_ASCII],
  ['single high-reversed-9 quotation mark U+201B', 'sql01\u201B.contoso.com', FQDN_ASCII],
  ['double quote', 'sql01".contoso.com', FQDN_SHAPE],
  ['semicolon', 'sql01;calc.contoso.com', FQDN_SHAPE],
  ['subexpression $()', 'sql01$(calc).contoso.com', FQDN_SHAPE],
  ['environment variable $env:x', 'sql01.$env:x.com', FQDN_SHAPE],
  ['backtick', 'sql01`n.contoso.com', FQDN_SHAPE],
  ['pipe', 'sql01|calc.contoso.com', FQDN_SHAPE],
  ['ampersand', 'sql01&calc.contoso.com', FQDN_SHAPE],
  ['embedded newline', 'sql01\n.contoso.com', FQDN_ASCII],
  ['embedded carriage return', 'sql01\r.contoso.com', FQDN_ASCII],
  ['NUL', 'sql01.contoso.com\u0000', FQDN_ASCII],
  ['line separator U+2028', 'sql01\u2028.contoso.com', FQDN_ASCII],
  ['paragraph separator U+2029', 'sql01\u2029.contoso.com', FQDN_ASCII],
  ['next line U+0085', 'sql01\u0085.contoso.com', FQDN_ASCII],
  ['tab', 'sql01\t.contoso.com', FQDN_ASCII],
  ['Cyrillic с look-alike', '\u0441ontoso.com', FQDN_ASCII],
  ['Cyrillic а look-alike', 'sql01.cont\u043Eso.com', FQDN_ASCII],
  ['Greek ο look-alike', 'sql01.c\u03BFntoso.com', FQDN_ASCII],
  ['Kelvin sign look-alike (lower-cases to ASCII k)', 'sql01.\u212Aontoso.com', FQDN_ASCII],
  ['dotted capital I', 'sql01.\u0130ntra.com', FQDN_ASCII],
  ['full-width letters', '\uFF53\uFF51\uFF4C01.contoso.com', FQDN_ASCII],
  ['full-width full stop', 'sql01\uFF0Econtoso.com', FQDN_ASCII],
  ['full-width apostrophe', 'sql01\uFF07.contoso.com', FQDN_ASCII],
  ['empty label (..)', 'sql01..contoso.com', FQDN_SHAPE],
  ['parent segment', '../sql01.contoso.com', FQDN_SHAPE],
  ['wildcard *', '*.contoso.com', FQDN_SHAPE],
  ['wildcard ?', 'sql0?.contoso.com', FQDN_SHAPE],
  ['wildcard []', 'sql[01].contoso.com', FQDN_SHAPE],
  ['254 characters', fqdnOfLength(254), FQDN_LONG],
  ['a 64-character label', `${'a'.repeat(64)}.contoso.com`, FQDN_SHAPE],
  ['a single label', 'sql01', FQDN_SHAPE],
  ['an IP address', '10.0.0.1', FQDN_NUMERIC],
  ['label ending in a hyphen', 'sql01-.contoso.com', FQDN_SHAPE],
  ['only spaces', '   ', 'a server name is required'],
];

const PATH_CASES: readonly Case[] = [
  ['ASCII single quote', "C:\\Up'dates\\SkypeServerUpdateInstaller.exe", PATH_CHARS],
  ['quote breaking out with a command', "C:\\x'; Remove-Item C:\\ -Recurse; '\\SkypeServerUpdateInstaller.exe", PATH_CHARS],
  ['U+2018', 'C:\\Up\u2018dates\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['U+2019', 'C:\\Up\u2019dates\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['U+201A', 'C:\\Up\u201Adates\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['U+201B', 'C:\\Up\u201Bdates\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['double quote', 'C:\\Up"dates\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['semicolon', 'C:\\Updates;calc\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['subexpression $()', 'C:\\$(calc)\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['environment variable $env:x', 'C:\\$env:TEMP\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['backtick', 'C:\\Up`dates\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['pipe', 'C:\\Updates|calc\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['ampersand', 'C:\\Updates&calc\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['embedded newline', 'C:\\Updates\n\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['embedded carriage return', 'C:\\Updates\r\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['NUL', 'C:\\Updates\u0000\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['U+2028', 'C:\\Updates\u2028\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['Cyrillic look-alike', 'C:\\Upd\u0430tes\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['Greek look-alike', 'C:\\Upd\u03B1tes\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['full-width letters', 'C:\\\uFF35pdates\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['full-width colon', 'C\uFF1A\\Updates\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['percent variable', 'C:\\%TEMP%\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['forward slashes', 'C:/Updates/SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['.. segment', 'C:\\Updates\\..\\Windows\\SkypeServerUpdateInstaller.exe', PATH_DOTS],
  ['. segment', 'C:\\Updates\\.\\SkypeServerUpdateInstaller.exe', PATH_DOTS],
  ['.. segment on a share', '\\\\fs01\\share\\..\\SkypeServerUpdateInstaller.exe', PATH_DOTS],
  ['wildcard *', 'C:\\Updates\\*\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['wildcard ?', 'C:\\Updates\\Skype?erverUpdateInstaller.exe', PATH_CHARS],
  ['wildcard []', 'C:\\Updates\\[a-z]\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['device path prefix', '\\\\?\\C:\\Updates\\SkypeServerUpdateInstaller.exe', PATH_CHARS],
  ['alternate data stream', 'C:\\Updates\\SkypeServerUpdateInstaller.exe:payload', PATH_COLON],
  ['relative path', 'Updates\\SkypeServerUpdateInstaller.exe', PATH_ABSOLUTE],
  ['241 characters', `C:\\${'a'.repeat(241 - 3 - 31)}\\SkypeServerUpdateInstaller.exe`, PATH_LONG],
];

const RUN_ID_CASES: readonly Case[] = [
  ['single quote', "run0001'", RUN_ID],
  ['U+2019', 'run0001\u2019', RUN_ID],
  ['double quote', 'run0001"', RUN_ID],
  ['semicolon', 'run0001;calc', RUN_ID],
  ['subexpression', 'run$(calc)', RUN_ID],
  ['$env:x', '$env:x0001', RUN_ID],
  ['backtick', 'run`0001', RUN_ID],
  ['pipe and ampersand', 'run|0&01', RUN_ID],
  ['trailing newline', 'run0001\n', RUN_ID],
  ['NUL', 'run0001\u0000', RUN_ID],
  ['U+2028', 'run0001\u2028', RUN_ID],
  ['Cyrillic look-alike', 'run000\u0430', RUN_ID],
  ['full-width digits', 'run\uFF10\uFF10\uFF11', RUN_ID],
  ['path segment', '..\\..\\windows', RUN_ID],
  ['wildcard', 'run000*', RUN_ID],
  ['upper case', 'RUN0001', RUN_ID],
  ['too short', 'run01', RUN_ID],
  ['33 characters', 'a'.repeat(33), RUN_ID],
];

const SHA_CASES: readonly Case[] = [
  ['single quote', `${SHA.slice(0, 63)}'`, SHA_MSG],
  ['U+201B', `${SHA.slice(0, 63)}\u201B`, SHA_MSG],
  ['double quote', `${SHA.slice(0, 63)}"`, SHA_MSG],
  ['quote breaking out', `${SHA}'; calc; '`, SHA_MSG],
  ['subexpression', `$(calc)${SHA.slice(7)}`, SHA_MSG],
  ['$env:x', `$env:x${SHA.slice(6)}`, SHA_MSG],
  ['backtick', `${SHA.slice(0, 63)}\``, SHA_MSG],
  ['pipe', `${SHA.slice(0, 63)}|`, SHA_MSG],
  ['trailing newline', `${SHA}\n`, SHA_MSG],
  ['NUL', `${SHA.slice(0, 63)}\u0000`, SHA_MSG],
  ['U+2028', `${SHA.slice(0, 63)}\u2028`, SHA_MSG],
  ['Cyrillic а look-alike', `${SHA.slice(0, 63)}\u0430`, SHA_MSG],
  ['full-width digit', `${SHA.slice(0, 63)}\uFF10`, SHA_MSG],
  ['wildcard', `${SHA.slice(0, 63)}*`, SHA_MSG],
  ['65 characters', `${SHA}a`, SHA_MSG],
];


/** A refusal an admin can act on: names the field, says what is allowed, echoes nothing hostile. */
function expectReadableRefusal(err: CspatchError, field: string, value: string, message: string): void {
  expect(err.code).toBe('param_invalid');
  expect(err.message).toContain(`${field}: ${message}`);
  expect(err.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
  if (value.trim().length > 2) expect(err.message).not.toContain(value.trim());
}

/** Steps whose scripts carry the field, with their parameters apart from it. */
const STEPS_USING: Record<string, ReadonlyArray<readonly [string, Record<string, unknown>]>> = {
  sqlServerFqdn: [
    ['update-databases', { product: 'sfb2019', variant: 'enterprise' }],
    ['update-databases', { product: 'lync2013', variant: 'enterprise-collocated' }],
    ['verify', { product: 'sfb2015', edition: 'enterprise' }],
  ],
  packagePath: [
    ['check-package', { product: 'sfb2019', runId: 'run0001', packageSha256: SHA, minFreeBytes: 0 }],
    ['detect-facts', {}],
  ],
  runId: [
    ['check-package', { product: 'sfb2019', packagePath: 'C:\\Updates\\SkypeServerUpdateInstaller.exe', packageSha256: SHA, minFreeBytes: 0 }],
    ['install-update', { product: 'sfb2019', packageSha256: SHA }],
  ],
  packageSha256: [
    ['check-package', { product: 'sfb2019', runId: 'run0001', packagePath: 'C:\\Updates\\SkypeServerUpdateInstaller.exe', minFreeBytes: 0 }],
    ['install-update', { product: 'sfb2019', runId: 'run0001' }],
  ],
};

const GROUPS: ReadonlyArray<readonly [string, readonly Case[]]> = [
  ['server', FQDN_CASES],
  ['sqlServerFqdn', FQDN_CASES],
  ['packagePath', PATH_CASES],
  ['runId', RUN_ID_CASES],
  ['packageSha256', SHA_CASES],
];

describe('hostile values are refused before any script exists', () => {
  for (const [field, cases] of GROUPS) {
    describe(field, () => {
      for (const [label, value, message] of cases) {
        it(`refuses ${label}`, () => {
          let plan: Plan | undefined;
          const planErr = caught(() => {
            plan = buildPlan({ ...REFERENCE, [field]: value });
          });
          expect(plan).toBeUndefined();
          expectReadableRefusal(planErr, field, value, message);

          for (const [stepId, rest] of STEPS_USING[field] ?? []) {
            let script: string | undefined;
            const renderErr = caught(() => {
              script = renderScript(stepId, { ...rest, [field]: value });
            });
            expect(script).toBeUndefined();
            expectReadableRefusal(renderErr, field, value, message);
          }
        });
      }
    });
  }

  it('accepts the boundary lengths the refusals above sit just beyond', () => {
    const fqdn253 = fqdnOfLength(253);
    expect(fqdn253).toHaveLength(253);
    expect(fqdnOfLength(254)).toHaveLength(254);
    const plan = buildPlan({ ...REFERENCE, sqlServerFqdn: fqdn253, server: `${'a'.repeat(63)}.contoso.com` });
    expect(plan.facts.sqlServerFqdn).toBe(fqdn253);
    const path240 = `C:\\${'a'.repeat(240 - 3 - 31)}\\SkypeServerUpdateInstaller.exe`;
    expect(path240).toHaveLength(240);
    expect(buildPlan({ ...REFERENCE, packagePath: path240 }).facts.packagePath).toBe(path240);
    expect(buildPlan({ ...REFERENCE, runId: 'a'.repeat(32) }).facts.runId).toBe('a'.repeat(32));
  });

  it('trims surrounding whitespace instead of rendering it', () => {
    const plan = buildPlan({ ...REFERENCE, sqlServerFqdn: ' SQL01.contoso.com\r\n', packagePath: '\tC:\\Updates\\SkypeServerUpdateInstaller.exe\u2028' });
    expect(plan.facts.sqlServerFqdn).toBe('sql01.contoso.com');
    expect(plan.facts.packagePath).toBe('C:\\Updates\\SkypeServerUpdateInstaller.exe');
    expect(plan.hash).toBe(buildPlan(REFERENCE).hash);
  });
});

// ---------------------------------------------------------------------------------------------
// A PowerShell single-quoted string scanner, written from the language's tokenizer rules: any of
// the five single-quote characters opens and closes the literal, and two quote characters in a
// row inside it stand for one (the second is kept).

const PS_QUOTES = new Set(["'", '\u2018', '\u2019', '\u201A', '\u201B']);

function scanSingleQuoted(text: string, start = 0): { value: string; end: number } {
  if (!PS_QUOTES.has(text.charAt(start))) throw new Error(`no single quote at ${start}`);
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text.charAt(i);
    if (PS_QUOTES.has(c)) {
      if (PS_QUOTES.has(text.charAt(i + 1))) {
        value += text.charAt(i + 1);
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += c;
    i += 1;
  }
  throw new Error('unterminated string');
}

const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;
const quoteHeavy = fc.string({
  unit: fc.constantFrom("'", '\u2018', '\u2019', '\u201A', '\u201B', '"', '`', '$', '(', ')', ';', 'a', ' ', '\\', '\u00e9', '\uD83D\uDE00'),
  maxLength: 40,
});

describe('psQuote and the single-quote scanner', () => {
  it('the scanner ends a literal at a unicode quote, as PowerShell does', () => {
    expect(scanSingleQuoted("'a\u2019b'")).toEqual({ value: 'a', end: 3 });
    expect(scanSingleQuoted("'it''s'")).toEqual({ value: "it's", end: 7 });
    expect(scanSingleQuoted("'a'\u2019b' tail")).toEqual({ value: 'a\u2019b', end: 6 });
    expect(() => scanSingleQuoted("'open")).toThrow('unterminated string');
  });

  it('doubles every one of the five quote characters', () => {
    expect(psQuote("'")).toBe("''''");
    expect(psQuote('\u2018x\u2019y\u201Az\u201B')).toBe("'\u2018\u2018x\u2019\u2019y\u201A\u201Az\u201B\u201B'");
    expect(psQuote('$(calc) `n "x"')).toBe('\'$(calc) `n "x"\'');
  });

  it('refuses control characters with param_invalid', () => {
    for (const bad of ['a\nb', 'a\rb', 'a\u0000', '\u2028', '\u2029', '\u0085', '\u007f', '\t']) {
      const err = caught(() => psQuote(bad));
      expect(err.code).toBe('param_invalid');
      expect(err.message).toBe('a value with control characters cannot be rendered');
    }
  });

  it('round-trips any string without control characters, ending exactly where it says', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), quoteHeavy), (raw) => {
        fc.pre(!CONTROL.test(raw));
        const literal = psQuote(raw);
        expect(scanSingleQuoted(literal)).toEqual({ value: raw, end: literal.length });
        expect(scanSingleQuoted(`${literal}; Restart-Computer -Force`)).toEqual({ value: raw, end: literal.length });
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('refuses every string with a control character', () => {
    const withControl = fc
      .tuple(fc.string(), fc.constantFrom('\n', '\r', '\u0000', '\u001b', '\u0085', '\u2028', '\u2029'), fc.string())
      .map(([a, c, b]) => a + c + b);
    fc.assert(
      fc.property(withControl, (raw) => {
        expect(caught(() => psQuote(raw)).code).toBe('param_invalid');
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Structure property: an accepted value changes the script only inside its own literal.

const hostileUnit = fc.constantFrom(
  "'", '\u2018', '\u2019', '\u201A', '\u201B', '"', ';', '$', '(', ')', '`', '|', '&', '\n', '\r', '\u0000', '\u2028',
  '\u0441', '\u03BF', '\u212A', '\uFF07', '*', '?', '[', ']', ' ', '.', '-', '\\', ':', 'a', 'Z', '0', '9',
);

/** Valid values with a few characters, hostile or harmless, spliced in somewhere. */
function spliced(valid: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(valid, fc.string({ unit: hostileUnit, minLength: 1, maxLength: 3 }), fc.nat())
    .map(([v, insert, at]) => v.slice(0, at % (v.length + 1)) + insert + v.slice(at % (v.length + 1)));
}

const validFqdn = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?){0,2}\.[a-z]{2,6}$/);
const fqdnLike = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: hostileUnit }),
  validFqdn,
  validFqdn.map((s) => s.toUpperCase()),
  { arbitrary: spliced(validFqdn), weight: 3 },
);
const folder = fc.stringMatching(/^[A-Za-z0-9 ._()+,~#@!-]{1,20}$/);
const validPath = fc.oneof(
  folder.map((f) => `C:\\${f}\\SkypeServerUpdateInstaller.exe`),
  folder.map((f) => `\\\\fs01\\share\\${f}\\SkypeServerUpdateInstaller.exe`),
);
const pathLike = fc.oneof(
  fc.string({ unit: 'binary' }).map((f) => `C:\\${f}\\SkypeServerUpdateInstaller.exe`),
  fc.string({ unit: hostileUnit }).map((f) => `C:\\${f}\\SkypeServerUpdateInstaller.exe`),
  validPath,
  { arbitrary: spliced(validPath), weight: 3 },
);
const validRunId = fc.stringMatching(/^[a-z0-9]{6,32}$/);
const runIdLike = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: hostileUnit }), validRunId, { arbitrary: spliced(validRunId), weight: 3 });
const validSha = fc.stringMatching(/^[0-9a-fA-F]{64}$/);
const shaLike = fc.oneof(fc.string({ unit: 'binary' }), validSha, { arbitrary: spliced(validSha), weight: 3 });

type PropertyField = 'server' | 'sqlServerFqdn' | 'packagePath' | 'runId' | 'packageSha256';
const PROPERTY_FIELDS: ReadonlyArray<readonly [PropertyField, fc.Arbitrary<string>, number]> = [
  // field, generator, how many plan steps render the reference value
  ['server', fqdnLike, 0],
  ['sqlServerFqdn', fqdnLike, 2],
  ['packagePath', pathLike, 1],
  ['runId', runIdLike, 2],
  ['packageSha256', shaLike, 2],
];

const referencePlan = buildPlan(REFERENCE);
const referenceScripts = new Map(referencePlan.steps.map((s) => [s.stepId, renderScript(s.stepId, s.params)] as const));

function factValue(facts: ConfirmedFacts, field: PropertyField): string {
  const value = facts[field];
  if (typeof value !== 'string') throw new Error(`${field} is missing from the plan's facts`);
  return value;
}

function expectSameStructure(actual: string, reference: string, referenceValue: string, value: string): void {
  expect(actual).toBe(reference.split(psQuote(referenceValue)).join(psQuote(value)));
}

describe('an accepted value can only change its own literal', () => {
  for (const [field, arbitrary, carriers] of PROPERTY_FIELDS) {
    it(`${field}: the reference value is quoted exactly where it is used`, () => {
      const quoted = psQuote(factValue(referencePlan.facts, field));
      const using = [...referenceScripts.values()].filter((script) => script.includes(quoted));
      expect(using).toHaveLength(carriers);
    });

    it(`${field}: arbitrary strings are refused or render only inside a single-quoted literal`, () => {
      const outcomes = { refused: 0, rendered: 0 };
      fc.assert(
        fc.property(arbitrary, (raw) => {
          let plan: Plan;
          try {
            plan = buildPlan({ ...REFERENCE, [field]: raw });
          } catch (err) {
            expect(err).toBeInstanceOf(CspatchError);
            expect(['param_invalid', 'plan_impossible']).toContain((err as CspatchError).code);
            outcomes.refused += 1;
            return;
          }
          outcomes.rendered += 1;
          const value = factValue(plan.facts, field);
          expect(CONTROL.test(value)).toBe(false);
          expect(scanSingleQuoted(psQuote(value))).toEqual({ value, end: psQuote(value).length });
          expect(plan.steps.map((s) => s.stepId)).toEqual(referencePlan.steps.map((s) => s.stepId));
          for (const step of plan.steps) {
            const reference = referenceScripts.get(step.stepId);
            if (reference === undefined) throw new Error(`no reference for ${step.stepId}`);
            expectSameStructure(renderScript(step.stepId, step.params), reference, factValue(referencePlan.facts, field), value);
          }
        }),
        { seed: 42, numRuns: 300 },
      );
      // Both branches must be exercised, or the property proves nothing.
      expect(outcomes.refused).toBeGreaterThan(20);
      expect(outcomes.rendered).toBeGreaterThan(20);
    });
  }

  it('every hostile character spliced into every valid reference value is refused or only fills its literal', () => {
    const hostile = ["'", '\u2018', '\u2019', '\u201A', '\u201B', '"', ';', '$', '(', ')', '`', '|', '&', '\n', '\r', '\u0000', '\u2028',
      '\u2029', '\u0085', '\t', ' ', '\u00a0', '\u200b', '\u202e', '\u0441', '\u03BF', '\u212A', '\uFF07', '\uFF0E', '*', '?', '[', ']', '%', '/', '#', '@', '!', '~', '+', ','];
    let rendered = 0;
    for (const [field] of PROPERTY_FIELDS) {
      const referenceValue = factValue(referencePlan.facts, field);
      for (const c of hostile) {
        for (let at = 0; at <= referenceValue.length; at += 1) {
          let plan: Plan;
          try {
            plan = buildPlan({ ...REFERENCE, [field]: referenceValue.slice(0, at) + c + referenceValue.slice(at) });
          } catch (err) {
            expect(['param_invalid', 'plan_impossible']).toContain((err as CspatchError).code);
            continue;
          }
          rendered += 1;
          const value = factValue(plan.facts, field);
          expect(scanSingleQuoted(psQuote(value))).toEqual({ value, end: psQuote(value).length });
          for (const step of plan.steps) {
            expectSameStructure(renderScript(step.stepId, step.params), referenceScripts.get(step.stepId) ?? '', referenceValue, value);
          }
        }
      }
    }
    // spaces and the harmless path punctuation are allowed in paths, so some of these render
    expect(rendered).toBeGreaterThan(0);
  });

  it('detect-facts: an arbitrary package path is refused or only fills its literal', () => {
    const reference = renderScript('detect-facts', { packagePath: 'C:\\Updates\\x.exe' });
    expect(reference).toContain("$pkg = 'C:\\Updates\\x.exe'");
    const outcomes = { refused: 0, rendered: 0 };
    fc.assert(
      fc.property(fc.oneof(pathLike, fc.string({ unit: 'binary' }), fc.string({ unit: hostileUnit })), (raw) => {
        let script: string;
        try {
          script = renderScript('detect-facts', { packagePath: raw });
        } catch (err) {
          expect(err).toBeInstanceOf(CspatchError);
          expect((err as CspatchError).code).toBe('param_invalid');
          outcomes.refused += 1;
          return;
        }
        outcomes.rendered += 1;
        expectSameStructure(script, reference, 'C:\\Updates\\x.exe', windowsPathSchema.parse(raw));
      }),
      { seed: 42, numRuns: 300 },
    );
    expect(outcomes.refused).toBeGreaterThan(20);
    expect(outcomes.rendered).toBeGreaterThan(20);
  });

  it('update-databases: an arbitrary SQL FQDN is refused or only fills its literal', () => {
    const params = { product: 'lync2013', variant: 'enterprise-collocated' } as const;
    const reference = renderScript('update-databases', { ...params, sqlServerFqdn: 'ref.example.net' });
    const outcomes = { refused: 0, rendered: 0 };
    fc.assert(
      fc.property(fqdnLike, (raw) => {
        let script: string;
        try {
          script = renderScript('update-databases', { ...params, sqlServerFqdn: raw });
        } catch (err) {
          expect((err as CspatchError).code).toBe('param_invalid');
          outcomes.refused += 1;
          return;
        }
        outcomes.rendered += 1;
        expectSameStructure(script, reference, 'ref.example.net', fqdnSchema.parse(raw));
      }),
      { seed: 42, numRuns: 300 },
    );
    expect(outcomes.refused).toBeGreaterThan(20);
    expect(outcomes.rendered).toBeGreaterThan(20);
  });
});
