/**
 * The whole flow in German, Chinese and Spanish: a channel switched with `/cspatch lang`, admins
 * whose Slack locales match, a full run from the slash command to the summary. Every text is
 * compared with the product's own translation of it, and no English phrase of en.ts may show up.
 * Then the reader's language for private answers: a German locale in an English channel, and a
 * `/cspatch lang de me` that overrides a Spanish locale.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { Lang, TFunction } from '../../bot/i18n/translator.js';
import { buildPlan } from '../../commands/build-plan.js';
import { parseScenario, sqlOf, type ScenarioInput } from '../../sim/scenario.js';
import { cleanupBots, startBot, type BotHandle } from '../helpers/bot.js';
import { blocksText, buttons, startFakeSlack, type FakeSlack, type StoredMessage } from '../helpers/fake-slack.js';
import {
  answersFor,
  buttonOf,
  englishIn,
  englishOnlyPhrases,
  inputBlock,
  MARK,
  openConfirm,
  parentIn,
  plainText,
  scenarioFor,
  startPatch,
  stepFinishedPattern,
  submitConfirm,
  templatePattern,
  threadOf,
  translate,
  waitEphemeralText,
  waitParentIn,
  waitThread,
  walkToApproval,
} from '../helpers/localized-run.js';
import { packagePathFor } from '../helpers/patch-driver.js';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { cleanupRunners, runnerTestPrefix, startRunner, waitUntil, type RunnerHandle } from '../helpers/runner.js';

const prefix = runnerTestPrefix('lang');
let fake: FakeSlack;
let bot: BotHandle;
let redis: Redis;
let en: TFunction;

interface LanguageCase {
  readonly lang: Exclude<Lang, 'en'>;
  readonly locale: string;
  readonly channel: string;
  readonly fixture: string;
  readonly server: string;
  /** requester, approver, a third admin, a user who is not an admin */
  readonly users: readonly [string, string, string, string];
}

const CASES: readonly LanguageCase[] = [
  { lang: 'de', locale: 'de-DE', channel: 'CLANGDE01', fixture: 'sfb2019-enterprise-collocated', server: 'fe-lang-de.contoso.com', users: ['UDEADM1', 'UDEADM2', 'UDEADM3', 'UDEUSER'] },
  { lang: 'zh-CN', locale: 'zh-CN', channel: 'CLANGZH01', fixture: 'sfb2015-standard', server: 'se-lang-zh.contoso.com', users: ['UZHADM1', 'UZHADM2', 'UZHADM3', 'UZHUSER'] },
  { lang: 'es', locale: 'es-ES', channel: 'CLANGES01', fixture: 'lync2013-enterprise', server: 'fe-lang-es.contoso.com', users: ['UESADM1', 'UESADM2', 'UESADM3', 'UESUSER'] },
];

/** In the English channel: a German-speaking admin, an English one, a German and a Spanish non-admin. */
const EN_CHANNEL = 'CLANGEN01';
const DE_ADMIN_IN_EN = 'UDEADM9';
const EN_ADMIN = 'UENADM1';
const DE_USER_IN_EN = 'UDEUSR9';
const ES_USER_IN_EN = 'UESUSR9';

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL);
  fake = await startFakeSlack();
  for (const c of CASES) for (const u of c.users) fake.setUser(u, { locale: c.locale });
  fake.setUser(DE_ADMIN_IN_EN, { locale: 'de-DE' });
  fake.setUser(EN_ADMIN, { locale: 'en-US' });
  fake.setUser(DE_USER_IN_EN, { locale: 'de-DE' });
  fake.setUser(ES_USER_IN_EN, { locale: 'es-ES' });
  const admins = [...CASES.flatMap((c) => c.users.slice(0, 3)), DE_ADMIN_IN_EN, EN_ADMIN].join(',');
  bot = await startBot({ prefix, slackApiUrl: fake.url, admins });
  en = await translate('en');
});

afterAll(async () => {
  await cleanupBots();
  await cleanupRunners();
  await fake.close();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

async function startRunnerFor(scenario: ScenarioInput): Promise<RunnerHandle> {
  const s = parseScenario(scenario);
  const runner = startRunner({ server: s.server, prefix, scenario });
  await runner.waitForOutput(/facts detected/, 'the runner detecting its facts');
  await waitUntil(async () => (await redis.zscore(`${prefix}:runners`, s.server)) !== null, 'the runner to register');
  return runner;
}

/** Everything the bot sent into a channel: every version of every message, and the ephemerals. */
function channelTexts(channel: string): string[] {
  return fake.calls
    .filter((c) => ['chat.postMessage', 'chat.update', 'chat.postEphemeral'].includes(c.method) && c.body.channel === channel)
    .flatMap((c) => [blocksText(c.body.blocks), typeof c.body.text === 'string' ? c.body.text : '']);
}

function modalTexts(view: Record<string, unknown>): string[] {
  return [plainText(view.title), plainText(view.submit), plainText(view.close), blocksText(view)];
}

describe.each(CASES)('a whole patch in $lang', (c) => {
  it('speaks the channel language in the thread and the reader language in private, with no English left', async () => {
    const t = await translate(c.lang);
    const [requester, approver, thirdAdmin, user] = c.users;
    const scenario = scenarioFor(c.fixture, c.server);
    const s = parseScenario(scenario);
    const runner = await startRunnerFor(scenario);

    // The channel is switched by an admin; the answer is private, in the admin's language.
    await bot.command(requester, c.channel, `lang ${c.lang}`);
    await waitEphemeralText(fake, requester, t('ephemeral.lang_set', { lang: c.lang }));

    // The parent, while the facts wait for confirmation.
    const path = packagePathFor(scenario);
    const { confirming, runId } = await startPatch(bot, fake, { channel: c.channel, requester, t, server: s.server, packagePath: path });
    await waitEphemeralText(fake, requester, t('ephemeral.started', { runId, server: s.server }));
    const confirmingText = blocksText(confirming.blocks);
    expect(confirmingText).toContain(`*${t('status.confirming')}*`);
    expect(confirmingText).toContain(t('parent.requestedBy', { user: `<@${requester}>` }));
    expect(buttonOf(confirming, 'cspatch_confirm_open').text).toBe(t('parent.confirm'));

    // The modal: title, buttons, labels and options in the requester's language.
    const view = await openConfirm(bot, fake, { channel: c.channel, user: requester, confirming });
    expect(plainText(view.title)).toBe(t('confirm.title'));
    expect(plainText(view.submit)).toBe(t('confirm.submit'));
    expect(plainText(view.close)).toBe(t('confirm.close'));
    for (const [blockId, key] of [['product', 'confirm.product'], ['edition', 'confirm.edition'], ['collocated', 'confirm.collocated'], ['sql', 'confirm.sql'], ['package', 'confirm.package'], ['ack', 'confirm.ack']] as const) {
      expect(plainText(inputBlock(view, blockId).label)).toBe(t(key));
    }
    const viewText = blocksText(view);
    expect(viewText).toContain(t('confirm.intro', { server: s.server }));
    expect(viewText).toContain(t('edition.enterprise'));
    expect(viewText).toContain(t('confirm.collocatedOption'));
    expect(viewText).toContain(t('confirm.ackOption'));

    // The plan, waiting for a second admin.
    expect(await submitConfirm(bot, requester, runId, answersFor(scenario))).toBeNull();
    const awaiting = await waitParentIn(fake, c.channel, t, s.server, (_x, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_approve'), 'the approve button');
    const awaitingText = blocksText(awaiting.blocks);
    const approve = buttonOf(awaiting, 'cspatch_approve');
    expect(approve.text).toBe(t('parent.approve'));
    expect(buttonOf(awaiting, 'cspatch_reject').text).toBe(t('parent.reject'));
    const planHash = (JSON.parse(approve.value ?? '{}') as { h: string }).h;
    const sql = sqlOf(s) ?? '';
    const plan = buildPlan({
      server: s.server,
      product: s.product,
      edition: s.edition,
      collocatedStores: s.collocated.length > 0,
      ...(s.edition === 'enterprise' ? { sqlServerFqdn: sql } : {}),
      packagePath: path,
      packageSha256: s.package.sha256,
      runId,
    });
    expect(plan.hash).toBe(planHash);
    const total = plan.steps.length;
    expect(awaitingText).toContain(`*${t('status.awaiting_approval')}*`);
    expect(awaitingText).toContain(`*${t('parent.planHeader', { count: total, hash: planHash.slice(0, 12) })}*`);
    expect(awaitingText).toContain(t('parent.confirmedBy', { user: `<@${requester}>` }));
    expect(awaitingText).toContain(t('parent.rebootNote'));
    for (const step of plan.steps) {
      const origin = step.docStep === null ? t('parent.added') : t('parent.docStep', { n: step.docStep });
      expect(awaitingText).toContain(`*${step.index}.* ${t(`step.${step.stepId}`)} _(${origin})_`);
    }

    // Refusals are private and in the reader's language.
    await bot.click(requester, c.channel, approve);
    await waitEphemeralText(fake, requester, t('ephemeral.self_approval'));
    await bot.click(user, c.channel, approve);
    await waitEphemeralText(fake, user, t('ephemeral.not_admin'));

    // The run, to its summary.
    await bot.click(approver, c.channel, approve);
    const summaryTitle = `*${t('reply.summary.title', { server: s.server })}*`;
    const summary = await waitThread(fake, c.channel, awaiting.ts, (x) => x.includes(summaryTitle), 'the summary', 90_000);
    const summaryText = blocksText(summary.blocks);
    expect(summaryText).toContain(t('reply.summary.outcome', { outcome: t('status.succeeded') }));
    expect(summaryText).toContain(t('reply.summary.steps', { done: total, skipped: 0, total }));
    expect(summaryText).toContain(t('reply.summary.approvedBy', { user: `<@${approver}>` }));
    expect(summaryText).toContain(t('reply.summary.versions', { before: s.versionBefore, after: s.versionAfter }));

    await bot.click(thirdAdmin, c.channel, approve);
    await waitEphemeralText(fake, thirdAdmin, t('ephemeral.already_decided', { by: `<@${approver}>` }));

    // Every reply in the thread, in the channel's language.
    const replies = threadOf(fake, c.channel, awaiting.ts).map((m: StoredMessage) => blocksText(m.blocks));
    const thread = replies.join('\n');
    expect(thread).toContain(t('reply.planReady'));
    expect(thread).toContain(t('reply.approved', { user: `<@${approver}>` }));
    for (const step of plan.steps) {
      expect(thread).toContain(t('reply.stepStarted', { index: step.index, total, command: step.command }));
      expect(thread).toMatch(stepFinishedPattern(t, { icon: ':white_check_mark:', index: step.index, total, state: t('stepState.succeeded') }));
    }
    for (const b of threadOf(fake, c.channel, awaiting.ts).flatMap((m) => buttons(m.blocks))) expect(b.text).toBe(t('reply.fullOutput'));

    // The parent at the end.
    const approvedBy = templatePattern(t('parent.approvedBy', { user: `<@${approver}>`, when: MARK }), MARK, '.+');
    const final = await waitParentIn(fake, c.channel, t, s.server, (x) => x.includes(`*${t('status.succeeded')}*`) && approvedBy.test(x), 'the final parent');
    const finalText = blocksText(final.blocks);
    expect(finalText).toContain(t('parent.version', { before: s.versionBefore }));
    expect(finalText).toContain(t('parent.versionAfter', { after: s.versionAfter }));
    expect(finalText).toMatch(templatePattern(t('parent.clockDone', { minutes: MARK }), MARK, '\\d+'));

    // Nothing the bot wrote here, and nothing in the modal, carries an English phrase of en.ts.
    const phrases = englishOnlyPhrases(c.lang);
    expect(phrases).toEqual(expect.arrayContaining(['Patched successfully', 'Summary for', 'Waiting for a second admin to approve']));
    const leaks = [...channelTexts(c.channel), ...modalTexts(view)].flatMap((x) => englishIn(x, phrases).map((p) => `"${p}" in: ${x.slice(0, 200)}`));
    expect(leaks).toEqual([]);
    // The reader's language came from Slack: users.info asked for the locale.
    expect(fake.calls.some((call) => call.method === 'users.info' && call.body.user === requester && String(call.body.include_locale) === 'true')).toBe(true);
    await runner.stop();
  }, 180_000);
});

describe('the reader language in an English channel', () => {
  it('answers a German-locale admin in German while the thread stays English, and `/cspatch lang de me` overrides a Spanish locale', async () => {
    const de = await translate('de');
    const es = await translate('es');
    const scenario = scenarioFor('sfb2019-standard', 'se-lang-en.contoso.com');
    const s = parseScenario(scenario);
    const runner = await startRunnerFor(scenario);

    // The German admin's modal and private answers are German; the thread is the channel's English.
    const { parent, runId, view: modal } = await walkToApproval(bot, fake, { channel: EN_CHANNEL, requester: DE_ADMIN_IN_EN, t: en, scenario });
    await waitEphemeralText(fake, DE_ADMIN_IN_EN, de('ephemeral.started', { runId, server: s.server }));
    expect(plainText(modal.title)).toBe(de('confirm.title'));
    expect(plainText(inputBlock(modal, 'edition').label)).toBe(de('confirm.edition'));
    expect(blocksText(parent.blocks).split('\n')[0]).toBe(en('parent.title', { server: s.server }));
    expect(blocksText(parent.blocks)).toContain(`*${en('status.awaiting_approval')}*`);
    const approve = buttonOf(parent, 'cspatch_approve');
    expect(approve.text).toBe(en('parent.approve'));

    await bot.click(DE_ADMIN_IN_EN, EN_CHANNEL, approve);
    await waitEphemeralText(fake, DE_ADMIN_IN_EN, de('ephemeral.self_approval'));
    await bot.click(DE_USER_IN_EN, EN_CHANNEL, approve);
    await waitEphemeralText(fake, DE_USER_IN_EN, de('ephemeral.not_admin'));

    // A Spanish locale reads Spanish until the user picks German for themselves.
    await bot.click(ES_USER_IN_EN, EN_CHANNEL, approve);
    await waitEphemeralText(fake, ES_USER_IN_EN, es('ephemeral.not_admin'));
    await bot.command(ES_USER_IN_EN, EN_CHANNEL, 'lang de me');
    await waitEphemeralText(fake, ES_USER_IN_EN, de('ephemeral.lang_set', { lang: 'de' }));
    const seen = fake.ephemerals().filter((e) => e.user === ES_USER_IN_EN).length;
    await bot.click(ES_USER_IN_EN, EN_CHANNEL, approve);
    await waitUntil(() => fake.ephemerals().filter((e) => e.user === ES_USER_IN_EN).length > seen, 'the answer after the override');
    expect(fake.ephemerals().filter((e) => e.user === ES_USER_IN_EN).at(-1)?.text).toBe(de('ephemeral.not_admin'));
    // Only an admin may switch the channel; the refusal is in the user's chosen German too.
    await bot.command(ES_USER_IN_EN, EN_CHANNEL, 'lang es');
    await waitUntil(() => fake.ephemerals().filter((e) => e.user === ES_USER_IN_EN).length > seen + 1, 'the refusal to switch the channel');
    expect(fake.ephemerals().filter((e) => e.user === ES_USER_IN_EN).at(-1)?.text).toBe(de('ephemeral.not_admin'));

    // The shared thread stayed English throughout: the plan-ready reply, and the rejection now.
    await bot.click(EN_ADMIN, EN_CHANNEL, buttonOf(parent, 'cspatch_reject'));
    await waitThread(fake, EN_CHANNEL, parent.ts, (x) => x === en('reply.rejected', { user: `<@${EN_ADMIN}>` }), 'the English rejection');
    const replies = threadOf(fake, EN_CHANNEL, parent.ts).map((m) => blocksText(m.blocks));
    expect(replies).toEqual([en('reply.planReady'), en('reply.rejected', { user: `<@${EN_ADMIN}>` })]);
    const final = await waitParentIn(fake, EN_CHANNEL, en, s.server, (x) => x.includes(`*${en('status.rejected')}*`), 'the rejected parent');
    expect(blocksText(final.blocks)).toContain(en('reason.rejected'));
    expect(parentIn(fake, EN_CHANNEL, en, s.server)?.ts).toBe(parent.ts);
    // The detector the language runs rely on does find English where English is expected.
    expect(channelTexts(EN_CHANNEL).flatMap((x) => englishIn(x, englishOnlyPhrases('de')))).toEqual(expect.arrayContaining(['Waiting for a second admin to approve', 'The plan is ready']));
    await runner.stop();
  }, 120_000);
});
