/**
 * Drives a patch through the bot in any language, and reads back what Slack would show. Unlike
 * patch-driver.ts (which finds the parent by its English title), every lookup here goes through
 * the product's own translator, so a test compares against the translation files' strings.
 *
 * @example
 *   const t = await translate('de');
 *   const { parent, runId } = await walkToApproval(bot, fake, { channel, requester: 'UDE1', t, scenario });
 *   expect(buttonOf(parent, 'cspatch_approve').text).toBe(t('parent.approve'));
 */
import { de } from '../../bot/i18n/de.js';
import { en, type Resources } from '../../bot/i18n/en.js';
import { es } from '../../bot/i18n/es.js';
import { registerAllLanguages } from '../../bot/i18n/languages.js';
import { createTranslator, type Lang, type TFunction, type Translator } from '../../bot/i18n/translator.js';
import { zhCN } from '../../bot/i18n/zh-CN.js';
import { parseScenario, sqlOf, type ScenarioInput } from '../../sim/scenario.js';
import type { BotHandle } from './bot.js';
import { confirmValues } from './bot.js';
import { blocksText, buttons, type ButtonInfo, type FakeSlack, type StoredMessage } from './fake-slack.js';
import { button, packagePathFor, runIdOf } from './patch-driver.js';
import { loadScenarioFixture, waitUntil } from './runner.js';

export const RESOURCES: Readonly<Record<Lang, Resources>> = { en, de, 'zh-CN': zhCN, es };

let translator: Promise<Translator> | null = null;

/** The product's translator bound to one language (every language registered, as the bot does). */
export async function translate(lang: Lang): Promise<TFunction> {
  translator ??= (() => {
    registerAllLanguages();
    return createTranslator();
  })();
  return (await translator).forLang(lang);
}

/** A fixture scenario under a server name of the test's own, with overrides. */
export function scenarioFor(fixture: string, server: string, overrides: Partial<ScenarioInput> = {}): ScenarioInput {
  return { ...loadScenarioFixture(fixture), server, ...overrides };
}

/** The thread parent of `server`'s run: a top-level message headed by the translated title. */
export function parentIn(fake: FakeSlack, channel: string, t: TFunction, server: string): StoredMessage | undefined {
  const title = t('parent.title', { server });
  return fake.messages(channel).find((m) => !m.thread_ts && blocksText(m.blocks).split('\n')[0] === title);
}

export async function waitParentIn(
  fake: FakeSlack,
  channel: string,
  t: TFunction,
  server: string,
  ok: (text: string, m: StoredMessage) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<StoredMessage> {
  return waitUntil(
    () => {
      const m = parentIn(fake, channel, t, server);
      return m && ok(blocksText(m.blocks), m) ? m : undefined;
    },
    `${what}\n--- parent now:\n${blocksText(parentIn(fake, channel, t, server)?.blocks ?? [])}`,
    timeoutMs,
  );
}

export function threadOf(fake: FakeSlack, channel: string, parentTs: string): StoredMessage[] {
  return fake.messages(channel).filter((m) => m.thread_ts === parentTs);
}

/** Waits for a thread reply whose text satisfies `ok`. */
export async function waitThread(fake: FakeSlack, channel: string, parentTs: string, ok: (text: string) => boolean, what: string, timeoutMs = 60_000): Promise<StoredMessage> {
  try {
    return await waitUntil(() => threadOf(fake, channel, parentTs).find((m) => ok(blocksText(m.blocks))), what, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- thread now:\n${threadOf(fake, channel, parentTs).map((m) => blocksText(m.blocks)).join('\n---\n')}`);
  }
}

/** Waits for an ephemeral message to `user` whose text is exactly `text`. */
export async function waitEphemeralText(fake: FakeSlack, user: string, text: string, timeoutMs = 20_000): Promise<void> {
  try {
    await waitUntil(() => fake.ephemerals().some((e) => e.user === user && e.text === text), `the ephemeral "${text}" to ${user}`, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- ephemerals now:\n${fake.ephemerals().map((e) => `${e.user}: ${e.text ?? ''}`).join('\n')}`);
  }
}

/** A rendered text as a pattern, where `marker` stood for a value the test cannot predict. */
export function templatePattern(rendered: string, marker: string, value = '\\S+'): RegExp {
  const escaped = rendered.split(marker).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(escaped.join(value));
}

/** Stands in for a placeholder whose value varies (a duration, minutes, a Slack date). */
export const MARK = '\u0001';

/**
 * A localized step-finished line as a pattern: the duration varies, everything else is exact.
 * @example expect(thread).toMatch(stepFinishedPattern(t, { icon: ':white_check_mark:', index: 1, total: 14, state: t('stepState.succeeded') }))
 */
export function stepFinishedPattern(t: TFunction, p: { icon: string; index: number; total: number; state: string }): RegExp {
  return templatePattern(t('reply.stepFinished', { ...p, duration: MARK }), MARK, '(?:\\d+h \\d{2}m|\\d+m \\d{2}s|\\d+s)');
}

export interface ConfirmAnswers {
  readonly product: string;
  readonly edition: string;
  readonly collocated: boolean;
  readonly sql?: string;
  readonly packagePath: string;
  readonly ack?: boolean;
}

/** What an admin confirms when they accept everything the simulated server reports. */
export function answersFor(scenario: ScenarioInput, packagePath = packagePathFor(scenario)): ConfirmAnswers {
  const s = parseScenario(scenario);
  const sql = sqlOf(s);
  return { product: s.product, edition: s.edition, collocated: s.collocated.length > 0, ...(s.edition === 'enterprise' && sql ? { sql } : {}), packagePath };
}

/** `/cspatch patch` up to the parent with the confirm button. */
export async function startPatch(
  bot: BotHandle,
  fake: FakeSlack,
  opts: { channel: string; requester: string; t: TFunction; server: string; packagePath: string },
): Promise<{ confirming: StoredMessage; runId: string }> {
  const res = await bot.command(opts.requester, opts.channel, `patch ${opts.server} ${opts.packagePath}`);
  if (res.status !== 200) throw new Error(`slash command answered ${res.status}: ${res.text}`);
  const confirming = await waitParentIn(fake, opts.channel, opts.t, opts.server, (_x, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_confirm_open'), 'the confirm button');
  return { confirming, runId: runIdOf(confirming) };
}

let triggerSeq = 0;

/** Clicks "confirm" and returns the modal exactly as the bot sent it to views.open. */
export async function openConfirm(bot: BotHandle, fake: FakeSlack, opts: { channel: string; user: string; confirming: StoredMessage }): Promise<Record<string, unknown>> {
  triggerSeq += 1;
  const triggerId = `${9918364920115 + triggerSeq}.2148335467.${String(triggerSeq).padStart(32, 'c')}`;
  await bot.click(opts.user, opts.channel, button(opts.confirming, 'cspatch_confirm_open'), triggerId);
  const call = await fake.waitForCall('views.open', (c) => c.body.trigger_id === triggerId, 20_000);
  return call.body.view as Record<string, unknown>;
}

/** Submits the confirmation form; returns the field errors the bot answered with, if any. */
export async function submitConfirm(bot: BotHandle, user: string, runId: string, a: ConfirmAnswers): Promise<Record<string, string> | null> {
  const res = await bot.submit(user, runId, confirmValues(a));
  if (res.status !== 200) throw new Error(`modal submit answered ${res.status}: ${res.text}`);
  const errors = res.json?.response_action === 'errors' ? (res.json.errors as Record<string, string>) : null;
  return errors;
}

/** From `/cspatch patch` to a plan waiting for approval, confirming `answers` (default: what the server reports). */
export async function walkToApproval(
  bot: BotHandle,
  fake: FakeSlack,
  opts: { channel: string; requester: string; t: TFunction; scenario: ScenarioInput; answers?: ConfirmAnswers },
): Promise<{ parent: StoredMessage; runId: string; view: Record<string, unknown> }> {
  const s = parseScenario(opts.scenario);
  const answers = opts.answers ?? answersFor(opts.scenario);
  const { confirming, runId } = await startPatch(bot, fake, { channel: opts.channel, requester: opts.requester, t: opts.t, server: s.server, packagePath: answers.packagePath });
  const view = await openConfirm(bot, fake, { channel: opts.channel, user: opts.requester, confirming });
  const errors = await submitConfirm(bot, opts.requester, runId, answers);
  if (errors) throw new Error(`the modal refused the answers: ${JSON.stringify(errors)}`);
  const parent = await waitParentIn(fake, opts.channel, opts.t, s.server, (_x, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_approve'), 'the approve button');
  return { parent, runId, view };
}

/** A button of a message, with its label. */
export function buttonOf(m: StoredMessage, actionId: string): ButtonInfo {
  const b = buttons(m.blocks).find((x) => x.actionId === actionId);
  if (!b) throw new Error(`no button ${actionId} in:\n${blocksText(m.blocks)}`);
  return b;
}

/** One input block of a modal, by block id. */
export function inputBlock(view: Record<string, unknown>, blockId: string): Record<string, unknown> {
  const blocks = Array.isArray(view.blocks) ? (view.blocks as Array<Record<string, unknown>>) : [];
  const block = blocks.find((b) => b.block_id === blockId);
  if (!block) throw new Error(`the modal has no block ${blockId}:\n${blocksText(view)}`);
  return block;
}

/** The pre-filled value of a modal input: option value(s) for selects, radios and checkboxes, text for text inputs. */
export function initialValue(view: Record<string, unknown>, blockId: string): string | string[] | undefined {
  const el = inputBlock(view, blockId).element as Record<string, unknown>;
  if (el.initial_option) return (el.initial_option as { value: string }).value;
  if (el.initial_options) return (el.initial_options as Array<{ value: string }>).map((o) => o.value);
  return typeof el.initial_value === 'string' ? el.initial_value : undefined;
}

export function plainText(value: unknown): string {
  return typeof value === 'object' && value !== null && typeof (value as { text?: unknown }).text === 'string' ? (value as { text: string }).text : '';
}

// ---------------------------------------------------------------- "no English left"

function leaves(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(leaves);
  return [];
}

/**
 * English sentences and phrases from en.ts that the other language does not share: every run of
 * at least two words (and ten characters) between placeholders, code, emoji and punctuation,
 * minus anything that also occurs in the translation (product names, cmdlets, "Standard Edition").
 */
export function englishOnlyPhrases(lang: Exclude<Lang, 'en'>): string[] {
  const translated = leaves(RESOURCES[lang]).join('\n').toLowerCase();
  const out = new Set<string>();
  for (const s of leaves(en)) {
    for (const fragment of s.split(/\{\{[^}]*\}\}|`[^`]*`|:[a-z][a-z0-9_+-]*:|[\n*_()"“”.:;,!?…<>[\]|]/)) {
      const f = fragment.trim().replace(/\s+/g, ' ');
      const words = f.split(' ').filter((w) => /[A-Za-z]/.test(w));
      if (words.length < 2 || f.length < 10) continue;
      if (translated.includes(f.toLowerCase())) continue;
      out.add(f);
    }
  }
  return [...out];
}

/** Commands and server output (code spans and blocks) are not the bot's own words. */
export function withoutCode(text: string): string {
  return text.replace(/```[\s\S]*?```/g, ' ').replace(/`[^`\n]*`/g, ' ');
}

/** The English phrases found in `text`, outside code. */
export function englishIn(text: string, phrases: readonly string[]): string[] {
  const plain = withoutCode(text).toLowerCase();
  return phrases.filter((p) => plain.includes(p.toLowerCase()));
}
