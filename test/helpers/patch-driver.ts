/**
 * Drives a patch through the bot the way admins would in Slack, and reads back what Slack
 * would show: the thread parent, its replies, ephemeral answers.
 */
import type { Redis } from 'ioredis';
import { PRODUCTS } from '../../commands/products.js';
import { createKeys } from '../../core/keys.js';
import { MESSAGE_FIELD } from '../../core/messages.js';
import { parseScenario, sqlOf, type ScenarioInput } from '../../sim/scenario.js';
import type { BotHandle } from './bot.js';
import { confirmValues } from './bot.js';
import { blocksText, buttons, type ButtonInfo, type FakeSlack, type StoredMessage } from './fake-slack.js';
import { loadScenarioFixture, startRunner, waitUntil, type RunnerHandle } from './runner.js';

/**
 * How long to wait for something several steps of a patch away (a gate, the summary): other
 * suites and benchmarks share this machine's two cores, so a patch can take many times longer.
 */
export const RUN_PATIENCE = 150_000;

/** The newest thread parent for `server` (a server patched again gets a new parent). */
export function parentOf(fake: FakeSlack, channel: string, server: string): StoredMessage | undefined {
  return fake.messages(channel).findLast((m) => !m.thread_ts && blocksText(m.blocks).includes(`Patch ${server}`));
}

/** Waits until the parent message for `server` satisfies `ok` (checked on its latest content). */
export async function waitParent(fake: FakeSlack, channel: string, server: string, ok: (text: string, m: StoredMessage) => boolean, what: string, timeoutMs = 60_000): Promise<StoredMessage> {
  return waitUntil(
    () => {
      const m = parentOf(fake, channel, server);
      return m && ok(blocksText(m.blocks), m) ? m : undefined;
    },
    `${what}\n--- parent now:\n${blocksText(parentOf(fake, channel, server)?.blocks ?? [])}`,
    timeoutMs,
  );
}

export function replies(fake: FakeSlack, channel: string, parentTs: string): StoredMessage[] {
  return fake.messages(channel).filter((m) => m.thread_ts === parentTs);
}

export function replyTexts(fake: FakeSlack, channel: string, parentTs: string): string[] {
  return replies(fake, channel, parentTs).map((m) => blocksText(m.blocks));
}

export async function waitReply(fake: FakeSlack, channel: string, parentTs: string, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<StoredMessage> {
  return waitUntil(
    () => replies(fake, channel, parentTs).find((m) => pattern.test(blocksText(m.blocks))),
    `${what}\n--- thread now:\n${replyTexts(fake, channel, parentTs).join('\n---\n')}`,
    timeoutMs,
  );
}

export async function waitEphemeral(fake: FakeSlack, user: string, pattern: RegExp, what: string, timeoutMs = 45_000): Promise<string> {
  try {
    return await waitUntil(
      () => fake.ephemerals().map((e) => `${e.user}|${blocksText(e.blocks) || e.text || ''}`).find((t) => t.startsWith(`${user}|`) && pattern.test(t)),
      what,
      timeoutMs,
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- ephemerals now:\n${fake.ephemerals().map((e) => `${e.user}: ${e.text ?? ''}`).join('\n')}`);
  }
}

export function button(m: StoredMessage, actionId: string): ButtonInfo {
  const b = buttons(m.blocks).find((x) => x.actionId === actionId);
  if (!b) throw new Error(`no button ${actionId} in:\n${blocksText(m.blocks)}`);
  return b;
}

export function runIdOf(m: StoredMessage): string {
  for (const b of buttons(m.blocks)) {
    const r = b.value ? (JSON.parse(b.value) as { r?: string }).r : undefined;
    if (r) return r;
  }
  throw new Error(`no run id in:\n${blocksText(m.blocks)}`);
}

export function packagePathFor(input: ScenarioInput): string {
  return `C:\\Updates\\${PRODUCTS[parseScenario(input).product].installer}`;
}

/**
 * From `/cspatch patch` to the submitted confirmation: the requester confirms the facts the
 * runner detected, unchanged. Does not wait for the plan (a short approval TTL may already have
 * expired it by the time a poll sees it). Returns the run id and the parent's ts.
 */
export async function walkToConfirmed(bot: BotHandle, fake: FakeSlack, opts: { channel: string; requester: string; scenario: ScenarioInput }): Promise<{ runId: string; parentTs: string }> {
  const s = parseScenario(opts.scenario);
  const path = packagePathFor(opts.scenario);
  const res = await bot.command(opts.requester, opts.channel, `patch ${s.server} ${path}`);
  if (res.status !== 200) throw new Error(`slash command answered ${res.status}: ${res.text}`);
  const confirming = await waitParent(fake, opts.channel, s.server, (_t, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_confirm_open'), 'the confirm button');
  const runId = runIdOf(confirming);
  await bot.click(opts.requester, opts.channel, button(confirming, 'cspatch_confirm_open'));
  await fake.waitForCall('views.open');
  const sql = sqlOf(s);
  const submitted = await bot.submit(
    opts.requester,
    runId,
    confirmValues({ product: s.product, edition: s.edition, collocated: s.collocated.length > 0, ...(s.edition === 'enterprise' && sql ? { sql } : {}), packagePath: path }),
  );
  if (submitted.status !== 200 || (submitted.text && submitted.text.includes('errors'))) throw new Error(`modal submit refused: ${submitted.status} ${submitted.text}`);
  return { runId, parentTs: confirming.ts };
}

/**
 * From `/cspatch patch` to a plan waiting for approval: the requester confirms the facts the
 * runner detected, unchanged. Returns the parent message and the run id.
 */
export async function walkToPlan(bot: BotHandle, fake: FakeSlack, opts: { channel: string; requester: string; scenario: ScenarioInput }): Promise<{ parent: StoredMessage; runId: string }> {
  const s = parseScenario(opts.scenario);
  const { runId } = await walkToConfirmed(bot, fake, opts);
  const parent = await waitParent(fake, opts.channel, s.server, (_t, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_approve'), 'the approve button');
  return { parent, runId };
}

/** A fixture's server, renamed so each test patches a server of its own, with extra behaviour. */
export function scenarioOn(fixture: string, server: string, extra: Partial<ScenarioInput> = {}): ScenarioInput {
  return { ...loadScenarioFixture(fixture), ...extra, server };
}

/** Starts a runner for `scenario` and waits until the bot can see its registration. */
export async function startRegisteredRunner(redis: Redis, prefix: string, scenario: ScenarioInput): Promise<RunnerHandle> {
  const server = parseScenario(scenario).server;
  const runner = startRunner({ server, prefix, scenario });
  try {
    await waitUntil(async () => (await redis.zscore(`${prefix}:runners`, server)) !== null, `the runner for ${server} to register`, 30_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- runner output:\n${runner.output().slice(-4000)}`);
  }
  return runner;
}

/** Every ephemeral text `user` has received so far (blocks flattened, else the fallback text). */
export function ephemeralTexts(fake: FakeSlack, user: string): string[] {
  return fake.ephemerals().filter((e) => e.user === user).map((e) => blocksText(e.blocks) || e.text || '');
}

/** What the bot left in Redis for a server: who holds its lock, and every job sent to it. */
export async function serverState(redis: Redis, prefix: string, server: string): Promise<{ lock: string | null; jobs: Array<{ runId: string; stepId: string }> }> {
  const keys = createKeys(prefix);
  const lock = await redis.get(keys.lock(server));
  const entries = await redis.xrange(keys.jobs(server), '-', '+');
  const jobs = entries.map(([, fields]) => {
    const raw = fields[fields.indexOf(MESSAGE_FIELD) + 1] ?? '{}';
    const job = JSON.parse(raw) as { runId?: string; stepId?: string };
    return { runId: job.runId ?? '', stepId: job.stepId ?? '' };
  });
  return { lock, jobs };
}
