/**
 * What a patch shows in its thread: every step's start and outcome with the server's output, a
 * "Full output" button answering privately with the recorded lines, and long output cut to fit
 * Block Kit (sections of at most 3000 characters, at most 50 blocks a message).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { Run } from '../../bot/lifecycle/run.js';
import type { ScenarioInput } from '../../sim/scenario.js';
import type { Stores } from '../../store/ports.js';
import { type BotHandle } from '../helpers/bot.js';
import { blocksText, buttons, type FakeSlack, type StoredMessage } from '../helpers/fake-slack.js';
import { button, replies, scenarioOn, startRegisteredRunner, waitReply, walkToPlan, RUN_PATIENCE } from '../helpers/patch-driver.js';
import { useBotSuite } from '../helpers/bot-suite.js';
import { waitUntil } from '../helpers/runner.js';

const CHANNEL = 'COUTPUT001';
const suite = useBotSuite('output');
const { prefix } = suite;
let fake: FakeSlack, bot: BotHandle, redis: Redis, stores: Stores;
beforeAll(() => void ({ fake, bot, redis, stores } = suite));

async function runOf(runId: string): Promise<Run> {
  const stored = await stores.runs.get<Run>(runId);
  if (!stored) throw new Error(`run ${runId} is not in Redis`);
  return stored.value;
}

/** Patches the scenario's server to the end and returns the run and its thread parent. */
async function patchToSummary(scenario: ScenarioInput): Promise<{ run: Run; parent: StoredMessage }> {
  await startRegisteredRunner(redis, prefix, scenario);
  const { parent, runId } = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });
  await bot.click('UADMIN2', CHANNEL, button(parent, 'cspatch_approve'));
  await waitReply(fake, CHANNEL, parent.ts, /Summary for/, 'the summary', RUN_PATIENCE);
  return { run: await runOf(runId), parent };
}

/** Clicks a button and returns the text of the private answer it produced. */
async function clickForEphemeral(user: string, b: { actionId: string; value?: string }): Promise<{ text: string; blocks: unknown }> {
  const before = fake.ephemerals().filter((e) => e.user === user).length;
  expect((await bot.click(user, CHANNEL, b)).status).toBe(200);
  const e = await waitUntil(() => fake.ephemerals().filter((x) => x.user === user)[before], 'the private answer to the click', 45_000);
  return { text: blocksText(e.blocks), blocks: e.blocks };
}

type Json = Record<string, unknown>;
const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const textOf = (v: unknown): string => (isJson(v) && typeof v.text === 'string' ? v.text : '');

/** Block Kit's documented limits for what the bot uses; one line per violation. */
function blockKitViolations(blocks: unknown, where: string): string[] {
  const out: string[] = [];
  const list = Array.isArray(blocks) ? blocks.filter(isJson) : [];
  if (list.length > 50) out.push(`${where}: ${list.length} blocks (max 50)`);
  list.forEach((b, i) => {
    const at = `${where} block ${i} (${String(b.type)})`;
    if (typeof b.block_id === 'string' && b.block_id.length > 255) out.push(`${at}: block_id ${b.block_id.length} chars (max 255)`);
    if (b.type === 'section') {
      if (textOf(b.text).length > 3000) out.push(`${at}: text ${textOf(b.text).length} chars (max 3000)`);
      const fields = Array.isArray(b.fields) ? b.fields : [];
      if (fields.length > 10 || fields.some((f) => textOf(f).length > 2000)) out.push(`${at}: fields over their limits`);
    }
    if (b.type === 'header' && textOf(b.text).length > 150) out.push(`${at}: header ${textOf(b.text).length} chars (max 150)`);
    if (b.type === 'context') {
      const elements = Array.isArray(b.elements) ? b.elements : [];
      if (elements.length > 10) out.push(`${at}: ${elements.length} elements (max 10)`);
      for (const e of elements) if (textOf(e).length > 3000) out.push(`${at}: element text ${textOf(e).length} chars (max 3000)`);
    }
    if (b.type === 'actions') {
      const elements = Array.isArray(b.elements) ? b.elements.filter(isJson) : [];
      if (elements.length > 25) out.push(`${at}: ${elements.length} elements (max 25)`);
      for (const e of elements) {
        if (textOf(e.text).length > 75) out.push(`${at}: button text ${textOf(e.text).length} chars (max 75)`);
        if (typeof e.value === 'string' && e.value.length > 2000) out.push(`${at}: button value ${e.value.length} chars (max 2000)`);
        if (typeof e.action_id === 'string' && e.action_id.length > 255) out.push(`${at}: action_id too long`);
      }
    }
  });
  return out;
}

/** Every message body the bot sent to Slack, each version of each message included. */
function everythingPosted(): Array<{ where: string; blocks: unknown; text: string }> {
  return fake.calls
    .filter((c) => ['chat.postMessage', 'chat.update', 'chat.postEphemeral'].includes(c.method) && c.response?.ok === true)
    .map((c, i) => ({ where: `${c.method} #${i}`, blocks: c.body.blocks, text: typeof c.body.text === 'string' ? c.body.text : '' }));
}

/** The lines of the code blocks in a rendered message, in order. */
function codeLines(text: string): string[] {
  return [...text.matchAll(/```([\s\S]*?)```/g)].flatMap((m) => (m[1] ?? '').split('\n'));
}

describe('step output in the thread', () => {
  it('shows each step starting and finishing with its output, and Full output returns every recorded line privately', async () => {
    const waits = Array.from({ length: 30 }, (_, i) => `Waiting for RTCSRV to stop (check ${i + 1} of 30)`);
    const scenario = scenarioOn('sfb2015-standard', 'se-out1.contoso.com', { print: { 'stop-services': waits } });
    const { run, parent } = await patchToSummary(scenario);
    const plan = run.plan;
    if (!plan) throw new Error('the run has no plan');
    const thread = replies(fake, CHANNEL, parent.ts);
    const texts = thread.map((m) => blocksText(m.blocks));

    for (const step of plan.steps) {
      const tag = `Step ${step.index}/${plan.steps.length}`;
      expect(texts.filter((t) => t.includes(`:arrow_forward: ${tag} started: \`${step.command}\``))).toHaveLength(1);
      const finished = thread.filter((m) => new RegExp(`^:white_check_mark: ${tag} done after [^\\n]+\\n`).test(blocksText(m.blocks)));
      expect(finished).toHaveLength(1);
      const f = finished[0]!;
      expect(blocksText(f.blocks)).toContain(`\`${step.command}\``);
      expect(blocksText(f.blocks)).toContain('exit code 0');
      const full = button(f, 'cspatch_output');
      expect(full.text).toBe('Full output');
      expect(JSON.parse(full.value ?? '{}')).toEqual({ r: run.id, j: run.steps[step.index - 1]?.jobId });
      // Start before outcome, and steps in plan order.
      expect(texts.findIndex((t) => t.includes(`${tag} started`))).toBeLessThan(thread.indexOf(f));
    }

    // stop-services printed 30 lines of its own before the 12 services: the thread keeps the last
    // lines, Full output gives all of them, in order.
    const stopIndex = plan.steps.findIndex((st) => st.stepId === 'stop-services');
    const stopReply = thread.find((m) => blocksText(m.blocks).startsWith(`:white_check_mark: Step ${stopIndex + 1}/`)) ?? thread[0]!;
    const shown = codeLines(blocksText(stopReply.blocks));
    expect(shown.at(-1)).toBe('Stopping RTCATS...');
    expect(shown).not.toContain(waits[0]);
    const fullOutput = await clickForEphemeral('UADMIN3', button(stopReply, 'cspatch_output'));
    const services = ['REPLICA', 'RTCCLSAGT', 'RTCSRV', 'RTCCAA', 'RTCCAS', 'RTCACS', 'RTCIMMCU', 'RTCDATAMCU', 'RTCAVMCU', 'RTCASMCU', 'RTCMEDSRV', 'RTCATS'];
    expect(codeLines(fullOutput.text)).toEqual([...waits, ...services.map((s) => `Stopping ${s}...`)]);
    expect(buttons(fullOutput.blocks)).toHaveLength(0);
  }, 300_000);

  it('cuts 3000 lines of installer output to Block Kit limits everywhere, keeping the newest lines', async () => {
    const msi = (i: number) => `MSI (s) (1C:2C) [10:42:${String(i % 60).padStart(2, '0')}:${String(i).padStart(4, '0')}]: Product: Skype for Business Server 2019, Core Components -- line ${i} of 3000`;
    const lines = Array.from({ length: 3000 }, (_, i) => msi(i + 1));
    // A few lines far longer than a whole section, as a stack trace in a log can be.
    for (const at of [1000, 2500, 2990]) lines[at] = `${msi(at + 1)} ${'0x80070643 '.repeat(700)}`;
    const scenario = scenarioOn('sfb2019-standard', 'se-out2.contoso.com', { print: { 'install-update': lines } });
    const { run, parent } = await patchToSummary(scenario);
    const install = run.plan?.steps.find((st) => st.stepId === 'install-update');
    if (!install) throw new Error('no install step');
    const installState = run.steps[install.index - 1];
    expect(await stores.runs.readOutput(run.id, installState?.jobId ?? '')).toHaveLength(3000 + 7);

    const installReply = replies(fake, CHANNEL, parent.ts).find((m) => blocksText(m.blocks).startsWith(`:white_check_mark: Step ${install.index}/`));
    if (!installReply) throw new Error('no reply for the install step');
    // The installer's own closing lines are the newest and must be visible.
    expect(blocksText(installReply.blocks)).toContain('SUCCESS: Successfully installed all applicable MSPs.');

    const full = await clickForEphemeral('UADMIN3', button(installReply, 'cspatch_output'));
    const got = codeLines(full.text);
    expect(got).toContain('SUCCESS: Successfully installed all applicable MSPs.');
    // What is shown is the newest part of the recorded output, in order, without gaps; a line
    // longer than a whole section is shown as its beginning.
    const recorded = await stores.runs.readOutput(run.id, installState?.jobId ?? '');
    const firstShown = recorded.indexOf(got[0] ?? '');
    expect(firstShown).toBeGreaterThan(0);
    const expected = recorded.slice(firstShown);
    expect(got).toHaveLength(expected.length);
    expect(got.at(-1)).toBe(recorded.at(-1));
    got.forEach((line, i) => {
      const original = expected[i] ?? '';
      if (line !== original) {
        expect({ line: i, cutFrom: original.length > 3000, prefix: original.startsWith(line) }).toEqual({ line: i, cutFrom: true, prefix: true });
      }
    });
    expect(got.filter((l, i) => l !== expected[i])).toHaveLength(expected.filter((l) => l.length > 3000).length);

    const violations = everythingPosted().flatMap((p) => blockKitViolations(p.blocks, p.where));
    expect(violations).toEqual([]);
    for (const p of everythingPosted()) {
      const blocks = Array.isArray(p.blocks) ? p.blocks : [];
      expect(blocks.length).toBeLessThanOrEqual(50);
      for (const b of blocks.filter(isJson).filter((x) => x.type === 'section')) expect(textOf(b.text).length).toBeLessThanOrEqual(3000);
    }
    expect(everythingPosted().filter((p) => p.where.startsWith('chat.postEphemeral')).length).toBeGreaterThan(0);
  }, 300_000);
});
