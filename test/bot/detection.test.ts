/**
 * What the runner detects on the server, and what the bot does with it: the confirmation form is
 * pre-filled with it for every product × edition variant, a different answer needs an explicit
 * acknowledgement, detection that gives nothing leaves every field to the human, and servers or
 * packages that must not be patched are refused before any plan exists.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { TFunction } from '../../bot/i18n/translator.js';
import { PRODUCTS } from '../../commands/products.js';
import { parseScenario, sqlOf, type Scenario, type ScenarioInput } from '../../sim/scenario.js';
import { type BotHandle } from '../helpers/bot.js';
import { blocksText, buttons, type FakeSlack } from '../helpers/fake-slack.js';
import {
  answersFor,
  initialValue,
  MARK,
  openConfirm,
  scenarioFor,
  startPatch,
  submitConfirm,
  templatePattern,
  threadOf,
  translate,
  waitParentIn,
  waitThread,
  type ConfirmAnswers,
} from '../helpers/localized-run.js';
import { packagePathFor } from '../helpers/patch-driver.js';
import { useBotSuite } from '../helpers/bot-suite.js';
import { startRunner, waitUntil, type RunnerHandle } from '../helpers/runner.js';

const CHANNEL = 'CDETECT01';
const REQUESTER = 'UADMIN1';
const suite = useBotSuite('detect');
const { prefix } = suite;
let fake: FakeSlack, bot: BotHandle, redis: Redis, t: TFunction;
beforeAll(async () => {
  ({ fake, bot, redis } = suite);
  t = await translate('en');
});

const FIXTURES = [
  'lync2013-standard',
  'lync2013-enterprise',
  'lync2013-enterprise-collocated',
  'sfb2015-standard',
  'sfb2015-enterprise',
  'sfb2015-enterprise-collocated',
  'sfb2019-standard',
  'sfb2019-enterprise',
  'sfb2019-enterprise-collocated',
] as const;

async function runnerFor(scenario: ScenarioInput, detected: RegExp = /facts detected/): Promise<RunnerHandle> {
  const s = parseScenario(scenario);
  const runner = startRunner({ server: s.server, prefix, scenario });
  await runner.waitForOutput(detected, 'the runner finishing its own detection');
  await waitUntil(async () => (await redis.zscore(`${prefix}:runners`, s.server)) !== null, 'the runner to register');
  return runner;
}

/** The line the parent and the modal show for what the runner reported, as the views render it. */
function detectedLine(s: Scenario): string {
  const sql = sqlOf(s);
  return t('parent.detected', {
    product: t(`product.${s.product}`),
    edition: t(`edition.${s.edition}`),
    collocated: t(`collocated.${s.collocated.length > 0 ? 'yes' : 'no'}`),
    sql: s.edition === 'enterprise' && sql ? `, SQL ${sql}` : '',
    reboot: s.pendingReboot ? t('parent.pendingReboot') : '',
  });
}

/** The database step as the plan shows it (backticked, so one variant is not a prefix of another). */
function dbCommand(a: ConfirmAnswers): string {
  if (a.edition === 'standard') return '`Install-CsDatabase -Update -LocalDatabases`';
  return `\`Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn ${a.sql ?? ''}${a.collocated ? ' -ExcludeCollocatedStores' : ''}\``;
}

/** No version of the parent ever offered an approval, and the server saw nothing but detection. */
function expectNoPlan(runner: RunnerHandle, parentTs: string): void {
  const parentVersions = fake.calls.filter((c) => (c.method === 'chat.update' && c.body.ts === parentTs) || (c.method === 'chat.postMessage' && c.channel === CHANNEL && c.response?.ts === parentTs));
  expect(parentVersions.length).toBeGreaterThan(0);
  for (const v of parentVersions) expect(buttons(v.body.blocks).map((b) => b.actionId)).not.toContain('cspatch_approve');
  expect(runner.simLog().every((e) => e.stepId === 'detect-facts')).toBe(true);
}

describe.each(FIXTURES)('detection on %s', (fixture) => {
  it('pre-fills the form with what the runner reported, shows it on the parent, and plans from it', async () => {
    const scenario = scenarioFor(fixture, `det-${fixture}.contoso.com`);
    const s = parseScenario(scenario);
    const runner = await runnerFor(scenario);
    const path = packagePathFor(scenario);
    const { confirming, runId } = await startPatch(bot, fake, { channel: CHANNEL, requester: REQUESTER, t, server: s.server, packagePath: path });
    expect(blocksText(confirming.blocks)).toContain(detectedLine(s));

    const view = await openConfirm(bot, fake, { channel: CHANNEL, user: REQUESTER, confirming });
    expect(initialValue(view, 'product')).toBe(s.product);
    expect(initialValue(view, 'edition')).toBe(s.edition);
    expect(initialValue(view, 'collocated')).toEqual(s.collocated.length > 0 ? ['yes'] : undefined);
    expect(initialValue(view, 'sql')).toBe(s.edition === 'enterprise' ? sqlOf(s) : undefined);
    expect(initialValue(view, 'package')).toBe(path);
    expect(initialValue(view, 'ack')).toBeUndefined();
    expect(blocksText(view)).toContain(detectedLine(s));

    // Accepting the pre-filled answers needs no acknowledgement and gives the variant's plan.
    const answers = answersFor(scenario);
    expect(await submitConfirm(bot, REQUESTER, runId, answers)).toBeNull();
    const parent = await waitParentIn(fake, CHANNEL, t, s.server, (_x, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_approve'), 'the plan');
    const text = blocksText(parent.blocks);
    expect(text).toContain(
      t('parent.facts', {
        product: t(`product.${s.product}`),
        edition: t(`edition.${s.edition}`),
        collocated: t(`collocated.${s.collocated.length > 0 ? 'yes' : 'no'}`),
      }),
    );
    if (s.edition === 'enterprise') expect(text).toContain(t('parent.sql', { sql: sqlOf(s) ?? '' }));
    expect(text).toContain(t('parent.version', { before: s.versionBefore }));
    expect(text).toContain(t('parent.sha', { sha: `\`${s.package.sha256}\`` }));
    expect(text).toContain(dbCommand(answers));
    expect(text).toContain(`\`${PRODUCTS[s.product].installer} /silentmode\``);
    expect(text).not.toContain(t('parent.mismatch', { fields: MARK, user: MARK }).split(MARK)[0]!);
    expect(runner.simLog().map((e) => e.stepId)).toEqual(['detect-facts', 'detect-facts']);
    // The run's own detection looked at the package the command named.
    expect(runner.simLog()[1]?.script).toContain(path.replace(/'/g, "''"));
    await runner.stop();
  }, 60_000);
});

const MISMATCHES: ReadonlyArray<readonly [string, string, Partial<ConfirmAnswers>, readonly string[]]> = [
  ['Standard Edition confirmed where an Enterprise Edition back end was detected', 'sfb2019-enterprise', { edition: 'standard', collocated: false, sql: undefined }, ['edition']],
  ['a different SQL Server FQDN (an AlwaysOn listener)', 'sfb2015-enterprise-collocated', { sql: 'sqlag1502.contoso.com' }, ['sql']],
  ['Enterprise Edition confirmed on a Lync Server 2013 Standard Edition server', 'lync2013-standard', { edition: 'enterprise', sql: 'sql1303.contoso.com' }, ['edition', 'sql']],
  ['Skype for Business Server 2015 confirmed where 2019 was detected', 'sfb2019-standard', { product: 'sfb2015' }, ['product']],
  ['no collocated stores confirmed where Archiving is collocated', 'lync2013-enterprise-collocated', { collocated: false }, ['collocated']],
];

describe('a confirmation that differs from detection', () => {
  it.each(MISMATCHES)('%s: refused until acknowledged, then planned from the answers and shown on the parent', async (_label, fixture, change, fields) => {
    const scenario = scenarioFor(fixture, `mm-${fixture}.contoso.com`);
    const s = parseScenario(scenario);
    const runner = await runnerFor(scenario);
    const answers: ConfirmAnswers = { ...answersFor(scenario), ...change };
    const { confirming, runId } = await startPatch(bot, fake, { channel: CHANNEL, requester: REQUESTER, t, server: s.server, packagePath: answers.packagePath });
    await openConfirm(bot, fake, { channel: CHANNEL, user: REQUESTER, confirming });

    // The form's own labels name the fields (confirm.product, confirm.edition, confirm.sql…).
    const labels = fields.map((f) => t(`confirm.${f}`)).join(', ');
    expect(await submitConfirm(bot, REQUESTER, runId, answers)).toEqual({ ack: t('confirm.error.acknowledge', { fields: labels }) });
    // The form said so, and nothing reached the run: it still waits for a confirmation.
    expect(buttons(confirming.blocks).map((b) => b.actionId)).toEqual(['cspatch_confirm_open']);

    expect(await submitConfirm(bot, REQUESTER, runId, { ...answers, ack: true })).toBeNull();
    const parent = await waitParentIn(fake, CHANNEL, t, s.server, (_x, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_approve'), 'the plan');
    const text = blocksText(parent.blocks);
    expect(text).toContain(t('parent.mismatch', { fields: labels, user: `<@${REQUESTER}>` }));
    expect(text).toContain(t('parent.facts', {
      product: t(`product.${answers.product}`),
      edition: t(`edition.${answers.edition}`),
      collocated: t(`collocated.${answers.edition === 'enterprise' && answers.collocated ? 'yes' : 'no'}`),
    }));
    expect(text).toContain(dbCommand(answers));
    expect(runner.simLog().map((e) => e.stepId)).toEqual(['detect-facts', 'detect-facts']);
    await runner.stop();
  }, 60_000);
});

describe('detection that prints nothing usable', () => {
  const garbage = {
    print: { 'detect-facts': ['CSPATCH:{"facts":"not an object"}', 'CSPATCH:{broken', 'Get-CsService : Access is denied.'] },
  };

  it('leaves every field to the human, whose answers alone make the plan', async () => {
    // The runner's own probe and the run's first probe fail; the one after the confirmation works.
    const scenario = scenarioFor('sfb2019-enterprise', 'blind-fe1901.contoso.com', {
      ...garbage,
      fail: { 'detect-facts': { exitCode: 1, stderr: 'Get-CsPool : Access is denied.', times: 2 } },
    });
    const s = parseScenario(scenario);
    const runner = await runnerFor(scenario, /nothing usable/);
    const path = packagePathFor(scenario);
    const { confirming, runId } = await startPatch(bot, fake, { channel: CHANNEL, requester: REQUESTER, t, server: s.server, packagePath: path });
    await waitThread(fake, CHANNEL, confirming.ts, (x) => templatePattern(t('reply.detectFailed', { error: MARK }), MARK, '.+').test(x), 'the detection failure');
    expect(blocksText(confirming.blocks)).not.toContain(t('parent.detected', { product: MARK, edition: MARK, collocated: MARK, sql: MARK, reboot: MARK }).split(MARK)[0]!);

    const view = await openConfirm(bot, fake, { channel: CHANNEL, user: REQUESTER, confirming });
    expect(blocksText(view)).toContain(t('confirm.nothingDetected'));
    for (const field of ['product', 'edition', 'collocated', 'sql', 'ack']) expect({ field, initial: initialValue(view, field) }).toEqual({ field, initial: undefined });
    // Only the path the admin typed into the command is there.
    expect(initialValue(view, 'package')).toBe(path);

    const answers = answersFor(scenario);
    expect(await submitConfirm(bot, REQUESTER, runId, answers)).toBeNull();
    const parent = await waitParentIn(fake, CHANNEL, t, s.server, (_x, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_approve'), 'the plan');
    const text = blocksText(parent.blocks);
    expect(text).toContain(t('parent.facts', { product: t('product.sfb2019'), edition: t('edition.enterprise'), collocated: t('collocated.no') }));
    expect(text).toContain(dbCommand(answers));
    expect(text).toContain(t('parent.confirmedBy', { user: `<@${REQUESTER}>` }));
    expect(runner.simLog().map((e) => e.stepId)).toEqual(['detect-facts', 'detect-facts', 'detect-facts']);
    await runner.stop();
  }, 60_000);

  it('never vouches for a package it could not look at: no plan, and the thread says why', async () => {
    const scenario = scenarioFor('lync2013-standard', 'blind-se1303.contoso.com', { ...garbage, fail: { 'detect-facts': { exitCode: 1, stderr: 'Get-CsPool : Access is denied.' } } });
    const s = parseScenario(scenario);
    const runner = await runnerFor(scenario, /nothing usable/);
    const { confirming, runId } = await startPatch(bot, fake, { channel: CHANNEL, requester: REQUESTER, t, server: s.server, packagePath: packagePathFor(scenario) });
    await openConfirm(bot, fake, { channel: CHANNEL, user: REQUESTER, confirming });
    expect(await submitConfirm(bot, REQUESTER, runId, answersFor(scenario))).toBeNull();
    await waitThread(fake, CHANNEL, confirming.ts, (x) => x === t('reply.packageProblem.unreadable'), 'the package refusal');
    expect(threadOf(fake, CHANNEL, confirming.ts).map((m) => blocksText(m.blocks))).not.toContain(t('reply.packageProblem.missing'));
    expectNoPlan(runner, confirming.ts);
    await runner.stop();
  }, 60_000);
});

const REFUSALS: ReadonlyArray<readonly [string, string, Partial<ScenarioInput>, string]> = [
  ['mirrored databases', 'sfb2015-enterprise', { mirrored: true }, 'reply.planBlocked.mirrored'],
  ['a dedicated SQL back end without Skype for Business components', 'sfb2019-enterprise', { csComponents: false }, 'reply.planBlocked.no_components'],
  ['an unsigned package', 'sfb2019-standard', { package: { signature: 'NotSigned' } }, 'reply.packageProblem.unsigned'],
  ['a package validly signed, but not by Microsoft', 'lync2013-enterprise', { package: { signer: 'CN=Contoso Ltd, O=Contoso Ltd, L=Redmond, S=Washington, C=US' } }, 'reply.packageProblem.unsigned'],
  ['a package that is not there', 'sfb2015-standard', { package: { exists: false } }, 'reply.packageProblem.missing'],
];

describe('servers and packages that must not be patched', () => {
  it.each(REFUSALS)('%s: refused with its own message, before any plan', async (_label, fixture, overrides, key) => {
    const scenario = scenarioFor(fixture, `no-${fixture}-${key.split('.').at(-1) ?? ''}.contoso.com`.replace(/_/g, '-'), overrides);
    const s = parseScenario(scenario);
    const runner = await runnerFor(scenario);
    const { confirming, runId } = await startPatch(bot, fake, { channel: CHANNEL, requester: REQUESTER, t, server: s.server, packagePath: packagePathFor(scenario) });
    await openConfirm(bot, fake, { channel: CHANNEL, user: REQUESTER, confirming });
    expect(await submitConfirm(bot, REQUESTER, runId, answersFor(scenario))).toBeNull();
    await waitThread(fake, CHANNEL, confirming.ts, (x) => x === t(key), 'the refusal');
    // The run waits for a corrected confirmation again; it never had a plan.
    await waitParentIn(fake, CHANNEL, t, s.server, (_x, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_confirm_open'), 'the confirm button again');
    expectNoPlan(runner, confirming.ts);
    await runner.stop();
  }, 60_000);

  it('the wrong installer for the product: refused in the form itself', async () => {
    const scenario = scenarioFor('sfb2019-enterprise', 'wrong-fe1901.contoso.com');
    const s = parseScenario(scenario);
    const runner = await runnerFor(scenario);
    const lyncInstaller = `C:\\Updates\\${PRODUCTS.lync2013.installer}`;
    const { confirming, runId } = await startPatch(bot, fake, { channel: CHANNEL, requester: REQUESTER, t, server: s.server, packagePath: lyncInstaller });
    const view = await openConfirm(bot, fake, { channel: CHANNEL, user: REQUESTER, confirming });
    expect(initialValue(view, 'package')).toBe(lyncInstaller);
    const answers = answersFor(scenario, lyncInstaller);
    expect(await submitConfirm(bot, REQUESTER, runId, answers)).toEqual({ package: t('confirm.error.installer') });
    // Acknowledging differences does not help: it is not a difference, it is the wrong file.
    expect(await submitConfirm(bot, REQUESTER, runId, { ...answers, ack: true })).toEqual({ package: t('confirm.error.installer') });
    expectNoPlan(runner, confirming.ts);
    // Corrected in the form, the same run goes on to a plan.
    expect(await submitConfirm(bot, REQUESTER, runId, answersFor(scenario))).toBeNull();
    await waitParentIn(fake, CHANNEL, t, s.server, (_x, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_approve'), 'the plan after the correction');
    await runner.stop();
  }, 60_000);
});
