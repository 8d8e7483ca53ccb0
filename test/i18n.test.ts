/**
 * The translations: same keys and placeholders as English, commands and emoji kept verbatim,
 * nothing left untranslated, every English key used by the product code, and the translator
 * wired up (language selection, fallback, no HTML escaping of Slack user ids).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { de } from '../bot/i18n/de.js';
import { en, type Resources } from '../bot/i18n/en.js';
import { es } from '../bot/i18n/es.js';
import { registerAllLanguages } from '../bot/i18n/languages.js';
import { createTranslator, langFromLocale, type Lang, type Translator } from '../bot/i18n/translator.js';
import { zhCN } from '../bot/i18n/zh-CN.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const TRANSLATIONS: ReadonlyArray<readonly [Exclude<Lang, 'en'>, Resources]> = [
  ['de', de],
  ['zh-CN', zhCN],
  ['es', es],
];

/**
 * A text must differ from English when it has more than this many characters besides its
 * {{placeholders}}: shorter ones ("online", "*SHA-256:* {{sha}}") may well be the same word.
 */
const SAME_AS_ENGLISH_MAX_LENGTH = 25;
/** Longer texts that are legitimately the same in every language: product names. */
const SAME_AS_ENGLISH: ReadonlySet<string> = new Set(['product.sfb2015', 'product.sfb2019']);

/** Flattens a nested resource object into dotted leaf paths; non-string leaves are kept as such. */
function flatten(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) flatten(child, prefix ? `${prefix}.${key}` : key, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

const EN = flatten(en);
const EN_KEYS = [...EN.keys()].sort();

function text(map: Map<string, unknown>, key: string): string {
  const value = map.get(key);
  return typeof value === 'string' ? value : '';
}

function all(re: RegExp, s: string): string[] {
  return [...s.matchAll(re)].map((m) => m[1] ?? m[0]).sort();
}

const placeholders = (s: string): string[] => all(/\{\{\s*([^{}]+?)\s*\}\}/g, s);
const emoji = (s: string): string[] => all(/:[a-z][a-z0-9_+-]*:/g, s);
const backticked = (s: string): string[] => all(/`[^`\n]+`/g, s);
/**
 * Words an admin types or reads in logs: slash commands, cmdlets with their switches, CLI
 * options, environment variables, product names. They must survive translation unchanged.
 */
const verbatim = (s: string): string[] =>
  all(
    /\/cspatch(?: [a-z]+)?|\b[A-Z][a-z]+-Cs[A-Za-z]+(?: -[A-Za-z]+)*|--[a-z][a-z-]*|\bCSPATCH_[A-Z0-9_]+|Skype for Business Server(?: 20\d\d)?|Lync Server 2013/g,
    s,
  );
const count = (s: string, ch: string): number => s.split(ch).length - 1;
const withoutPlaceholders = (s: string): string => s.replace(/\{\{[^{}]*\}\}/g, '').trim();

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

describe.each(TRANSLATIONS)('%s translation', (lang, resources) => {
  const flat = flatten(resources);

  it('has exactly the keys of English', () => {
    const missing = EN_KEYS.filter((k) => !flat.has(k));
    const extra = [...flat.keys()].filter((k) => !EN.has(k)).sort();
    expect({ lang, missing, extra }).toEqual({ lang, missing: [], extra: [] });
  });

  it('keeps every value a string', () => {
    const notStrings = [...flat.entries()].filter(([, v]) => typeof v !== 'string').map(([k]) => k);
    expect(notStrings).toEqual([]);
  });

  it('keeps the same {{placeholders}} for every key', () => {
    const problems = EN_KEYS.flatMap((k) => {
      const want = placeholders(text(EN, k));
      const got = placeholders(text(flat, k));
      return sameList(want, got) ? [] : [`${k}: English has [${want.join(', ')}], ${lang} has [${got.join(', ')}]`];
    });
    expect(problems).toEqual([]);
  });

  it('keeps emoji codes, backticked commands, cmdlets, options and product names verbatim', () => {
    const checks: ReadonlyArray<readonly [string, (s: string) => string[]]> = [
      ['emoji', emoji],
      ['backticked', backticked],
      ['verbatim', verbatim],
    ];
    const problems = EN_KEYS.flatMap((k) =>
      checks.flatMap(([what, extract]) => {
        const want = extract(text(EN, k));
        const got = extract(text(flat, k));
        return sameList(want, got) ? [] : [`${k} (${what}): English has [${want.join(' | ')}], ${lang} has [${got.join(' | ')}]`];
      }),
    );
    expect(problems).toEqual([]);
  });

  it('keeps the Slack mrkdwn bold markers and line breaks', () => {
    const problems = EN_KEYS.flatMap((k) => {
      const want = text(EN, k);
      const got = text(flat, k);
      const out: string[] = [];
      if (count(want, '*') !== count(got, '*')) out.push(`${k}: ${count(want, '*')} "*" in English, ${count(got, '*')} in ${lang}`);
      if (count(want, '\n') !== count(got, '\n')) out.push(`${k}: ${count(want, '\n')} line breaks in English, ${count(got, '\n')} in ${lang}`);
      return out;
    });
    expect(problems).toEqual([]);
  });

  it('translates every text: none empty, none longer than 25 characters left in English', () => {
    const empty = EN_KEYS.filter((k) => text(flat, k).trim() === '');
    const untranslated = EN_KEYS.filter(
      (k) => !SAME_AS_ENGLISH.has(k) && withoutPlaceholders(text(EN, k)).length > SAME_AS_ENGLISH_MAX_LENGTH && text(flat, k) === text(EN, k),
    );
    expect({ empty, untranslated }).toEqual({ empty: [], untranslated: [] });
  });
});

describe('the allowlist of texts that stay in English', () => {
  it('names only existing long keys that are really the same in every language', () => {
    for (const key of SAME_AS_ENGLISH) {
      expect(EN.has(key)).toBe(true);
      expect(withoutPlaceholders(text(EN, key)).length).toBeGreaterThan(SAME_AS_ENGLISH_MAX_LENGTH);
      for (const [, resources] of TRANSLATIONS) expect(text(flatten(resources), key)).toBe(text(EN, key));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Unused keys: every English leaf must be referenced by the product code outside bot/i18n/.

/** Folders searched for key references, relative to the repository root. */
const CODE_ROOTS = ['bot', 'demo'];
const EXCLUDED = [join('bot', 'i18n')];

interface KeyReferences {
  /** every string literal and template literal without substitutions */
  readonly literals: Set<string>;
  /** `status` for t(`status.${s}`) or t('status.' + s): children of these paths are used */
  readonly prefixes: Set<string>;
}

const KEY_PREFIX = /^[A-Za-z_][\w-]*(?:\.[\w-]+)*\.$/;

/** Collects the key references of one source file from its syntax tree (comments do not count). */
function collectReferences(fileName: string, source: string, refs: KeyReferences): void {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      refs.literals.add(node.text);
    } else if (ts.isTemplateExpression(node) && KEY_PREFIX.test(node.head.text)) {
      refs.prefixes.add(node.head.text.slice(0, -1));
    } else if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind === ts.SyntaxKind.PlusToken &&
      ts.isStringLiteral(node.left) &&
      KEY_PREFIX.test(node.left.text)
    ) {
      refs.prefixes.add(node.left.text.slice(0, -1));
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (EXCLUDED.some((ex) => relative(REPO_ROOT, path) === ex || relative(REPO_ROOT, path).startsWith(ex + sep))) return [];
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function isUsed(key: string, refs: KeyReferences): boolean {
  if (refs.literals.has(key)) return true;
  const parent = key.includes('.') ? key.slice(0, key.lastIndexOf('.')) : '';
  return parent !== '' && refs.prefixes.has(parent);
}

function references(sources: ReadonlyArray<readonly [string, string]>): KeyReferences {
  const refs: KeyReferences = { literals: new Set(), prefixes: new Set() };
  for (const [name, source] of sources) collectReferences(name, source, refs);
  return refs;
}

describe('the key reference scanner', () => {
  it('finds literal keys and dynamic prefixes, and ignores comments and other strings', () => {
    const refs = references([
      [
        'view.ts',
        [
          "t('reply.planReady');",
          't(`status.${run.status}`);',
          "t('reply.gate.' + gate.kind);",
          'const url = `https://example.com/${path}`;',
          "// t('reply.rejected')",
          "/* t('parent.approve') */",
          "t(`${ns}.title`);",
        ].join('\n'),
      ],
    ]);
    expect(isUsed('reply.planReady', refs)).toBe(true);
    expect(isUsed('status.running', refs)).toBe(true);
    expect(isUsed('reply.gate.failure', refs)).toBe(true);
    expect(isUsed('reply.rejected', refs)).toBe(false);
    expect(isUsed('parent.approve', refs)).toBe(false);
    expect(isUsed('parent.title', refs)).toBe(false);
    // a prefix covers its direct children only, not deeper keys
    expect(isUsed('status', refs)).toBe(false);
    expect(isUsed('reply.gate.failure.more', refs)).toBe(false);
  });
});

describe('English keys', () => {
  it('are all referenced by the product code (literally, or by a dynamic t(`parent.${…}`) prefix)', () => {
    const files = CODE_ROOTS.flatMap((root) => sourceFiles(join(REPO_ROOT, root)));
    expect(files.length).toBeGreaterThan(0);
    const refs = references(files.map((f) => [f, readFileSync(f, 'utf8')] as const));
    const unused = EN_KEYS.filter((k) => !isUsed(k, refs));
    if (unused.length > 0) {
      throw new Error(
        `${unused.length} of ${EN_KEYS.length} keys in bot/i18n/en.ts are not referenced in ${CODE_ROOTS.join('/, ')}/ ` +
          `(outside bot/i18n/; dynamic prefixes found: ${[...refs.prefixes].sort().join(', ') || 'none'}):\n  ${unused.join('\n  ')}`,
      );
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The translator with every language registered.

describe('translator', () => {
  let translator: Translator;

  beforeAll(async () => {
    registerAllLanguages();
    translator = await createTranslator();
  });

  it('answers in the chosen language', () => {
    expect(translator.forLang('de')('parent.approve')).toBe('Genehmigen');
    expect(translator.forLang('de')('parent.approve')).not.toBe(en.parent.approve);
    expect(translator.forLang('zh-CN')('parent.approve')).toBe(zhCN.parent.approve);
    expect(translator.forLang('es')('parent.approve')).toBe(es.parent.approve);
    expect(translator.forLang('en')('parent.approve')).toBe(en.parent.approve);
  });

  it('resolves every key in every language to its own text', () => {
    for (const [lang, resources] of [['en', en] as const, ...TRANSLATIONS]) {
      const t = translator.forLang(lang);
      const flat = flatten(resources);
      const wrong = EN_KEYS.filter((k) => placeholders(text(EN, k)).length === 0 && t(k) !== text(flat, k));
      expect({ lang, wrong }).toEqual({ lang, wrong: [] });
    }
  });

  it('falls back to English for an unknown language', () => {
    expect(translator.forLang('fr')('parent.approve')).toBe(en.parent.approve);
    expect(translator.forLang('')('reply.noOutput')).toBe(en.reply.noOutput);
  });

  it('uses the base text when a count is passed (no plural forms are defined)', () => {
    const t = translator.forLang('de');
    expect(t('reply.gate.openShells', { count: 2, list: 'PID 1, PID 2' })).toBe(
      de.reply.gate.openShells.replace('{{count}}', '2').replace('{{list}}', 'PID 1, PID 2'),
    );
  });

  it('does not HTML-escape interpolated values such as Slack user ids', () => {
    expect(translator.forLang('de')('reply.approved', { user: '<@U123>' })).toBe(de.reply.approved.replace('{{user}}', '<@U123>'));
    const es2 = translator.forLang('es')('reply.breakGlass', { user: '<@U123>', reason: 'SQL & "failover" <now>' });
    expect(es2).toContain('<@U123>');
    expect(es2).toContain('SQL & "failover" <now>');
    expect(es2).not.toMatch(/&lt;|&amp;|&quot;/);
  });

  it.each([
    ['de-DE', 'de'],
    ['de', 'de'],
    ['zh-CN', 'zh-CN'],
    ['zh-Hans', 'zh-CN'],
    ['zh_CN', 'zh-CN'],
    ['es-MX', 'es'],
    ['es-ES', 'es'],
    ['en-GB', 'en'],
    ['en-US', 'en'],
    ['fr-FR', null],
    ['', null],
  ])('maps the Slack locale %j to %j', (locale, lang) => {
    expect(langFromLocale(locale)).toBe(lang);
  });
});
