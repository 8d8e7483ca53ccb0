/**
 * Who may do what, through a real bot and runner: admins by list and by Slack user group (cached),
 * the channel allowlist, the two-person rule wherever a human decides (approval, retry or skip of
 * the install and database steps, aborting mid-install) and break-glass, off unless switched on.
 * Each refusal is said to the person and recorded in the audit trail.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { createAccessPolicy } from '../../bot/engine/access.js';
import { createSlackChat } from '../../bot/chat/slack-chat.js';
import { createLogger } from '../../core/logger.js';
import { createKeys } from '../../core/keys.js';
import { parseScenario } from '../../sim/scenario.js';
import { openRedis } from '../../store/redis/connection.js';
import { BOT_TOKEN, cleanupBots, startBot, type BotHandle } from '../helpers/bot.js';
import { blocksText, buttons, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { button, packagePathFor, parentOf, replyTexts, waitParent, waitReply, walkToPlan } from '../helpers/patch-driver.js';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { cleanupRunners, runnerTestPrefix, waitUntil, type RunnerHandle } from '../helpers/runner.js';
import { answered, auditOf, groupLookups, settled, holdStep, ran, readyRunner, runOf, scenarioFor, waitAudit, waitRun, walkWith } from './support.js';

const CHANNEL = 'CACCESS1';
const ELSEWHERE = 'COTHER99';
const GROUP = 'SCSADMINS';
const prefix = runnerTestPrefix('access');
let fake: FakeSlack;
let bot: BotHandle;
let redis: Redis;
let dir: string;

beforeAll(async () => {
  redis = openRedis(TEST_REDIS_URL, 'security-access');
  dir = mkdtempSync(join(tmpdir(), 'cspatch-access-'));
  fake = await startFakeSlack({ groups: { [GROUP]: ['UGROUP1'] } });
  bot = await startBot({
    prefix,
    slackApiUrl: fake.url,
    // A group TTL far longer than the test, so "cached" does not depend on how fast it runs; the
    // TTL's end is tested below with an injected clock.
    env: { CSPATCH_ADMIN_GROUP: GROUP, CSPATCH_ADMIN_GROUP_TTL: '3600', CSPATCH_CHANNELS: CHANNEL },
  });
}, 60_000);

afterAll(async () => {
  await cleanupBots();
  await cleanupRunners();
  await fake.close();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
  rmSync(dir, { recursive: true, force: true });
});

describe('who may ask', () => {
  it('refuses a requester who is not an admin, says so, records it and starts nothing', async () => {
    const scenario = scenarioFor('sfb2015-standard', 'se-acc1.contoso.com');
    const server = parseScenario(scenario).server;
    await readyRunner(redis, prefix, scenario);

    await answered(fake, 'UNOTADMIN', /Only cspatch admins can do that\./, async () => {
      expect((await bot.command('UNOTADMIN', CHANNEL, `patch ${server} ${packagePathFor(scenario)}`)).status).toBe(200);
    }, 'the refusal');
    const entry = await waitAudit(redis, prefix, (e) => e.actor === 'UNOTADMIN' && e.action === 'refused', 'the audited refusal');
    expect(entry.detail).toMatchObject({ reason: 'not_admin', server, channel: CHANNEL });
    expect(parentOf(fake, CHANNEL, server)).toBeUndefined();
    expect(await redis.xlen(createKeys(prefix).jobs(server))).toBe(0);
  }, 60_000);

  it('refuses commands and clicks from a channel outside CSPATCH_CHANNELS, even from an admin', async () => {
    const scenario = scenarioFor('sfb2015-standard', 'se-acc2.contoso.com');
    const server = parseScenario(scenario).server;
    await readyRunner(redis, prefix, scenario);

    await answered(fake, 'UADMIN1', /cspatch is not enabled in this channel\./, () => bot.command('UADMIN1', ELSEWHERE, `patch ${server} ${packagePathFor(scenario)}`), 'the channel refusal of the command');
    const click = { actionId: 'cspatch_approve', value: JSON.stringify({ r: 'abcdefgh', h: 'a'.repeat(64) }) };
    await answered(fake, 'UADMIN2', /cspatch is not enabled in this channel\./, () => bot.click('UADMIN2', ELSEWHERE, click), 'the channel refusal of the click');

    const refusals = (await auditOf(redis, prefix)).filter((e) => e.action === 'refused' && e.detail.reason === 'channel_not_allowed');
    expect(refusals.map((e) => [e.actor, e.detail.channel])).toEqual([
      ['UADMIN1', ELSEWHERE],
      ['UADMIN2', ELSEWHERE],
    ]);
    expect(fake.ephemerals().every((e) => e.channel === CHANNEL || e.channel === ELSEWHERE)).toBe(true);
    expect(parentOf(fake, ELSEWHERE, server)).toBeUndefined();
    expect(await redis.xlen(createKeys(prefix).jobs(server))).toBe(0);
  }, 60_000);

  it('accepts a member of CSPATCH_ADMIN_GROUP, asking Slack for the members once and then using the cached list', async () => {
    const scenario = scenarioFor('sfb2015-standard', 'se-acc3.contoso.com');
    const server = parseScenario(scenario).server;
    await readyRunner(redis, prefix, scenario);

    // UGROUP1 is in no list, only in the user group: requests, opens the form and confirms.
    const { parent, runId } = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UGROUP1', scenario });
    expect(blocksText(parent.blocks)).toContain('Requested by <@UGROUP1>');
    expect((await runOf(redis, prefix, runId)).confirmedBy).toBe('UGROUP1');
    expect(fake.calls.filter((c) => c.method === 'usergroups.users.list').every((c) => c.body.usergroup === GROUP)).toBe(true);

    // Removed from the group in Slack: within the TTL the bot still has the old list and does not ask.
    fake.setGroup(GROUP, []);
    await bot.click('UGROUP1', CHANNEL, button(parent, 'cspatch_reject'));
    await waitReply(fake, CHANNEL, parent.ts, /<@UGROUP1> rejected the plan/, 'the rejection by the (cached) group member');
    expect(groupLookups(fake)).toBe(1);
    await waitUntil(async () => (await redis.get(createKeys(prefix).lock(server))) === null, 'the lock to be released');
  }, 90_000);
});

describe('the admin group cache, with the clock in hand', () => {
  it('asks Slack once per TTL: a membership change takes effect with the first lookup after it', async () => {
    const own = await startFakeSlack({ groups: { SCACHE: ['UMEMBER'] } });
    try {
      let now = 1_000_000;
      const chat = createSlackChat({ token: BOT_TOKEN, slackApiUrl: own.url });
      const access = createAccessPolicy({ admins: ['ULISTED'], adminGroup: 'SCACHE', channels: [], groupTtlMs: 60_000, now: () => now }, chat, createLogger('test', 'silent'));

      expect(await access.isAdmin('ULISTED')).toBe(true);
      expect(groupLookups(own)).toBe(0); // a listed admin never needs the group
      expect(await access.isAdmin('UMEMBER')).toBe(true);
      expect(await access.isAdmin('USTRANGER')).toBe(false);
      expect(groupLookups(own)).toBe(1);

      own.setGroup('SCACHE', ['USTRANGER']);
      now += 59_999;
      expect(await access.isAdmin('UMEMBER')).toBe(true); // still the cached list
      expect(await access.isAdmin('USTRANGER')).toBe(false);
      expect(groupLookups(own)).toBe(1);

      now += 1;
      expect(await access.isAdmin('UMEMBER')).toBe(false); // the TTL is over: asked again
      expect(await access.isAdmin('USTRANGER')).toBe(true);
      expect(groupLookups(own)).toBe(2);

      // Slack failing keeps the last known list rather than letting everyone (or nobody) in.
      now += 60_000;
      own.failNext('usergroups.users.list', { error: 'internal_error' });
      expect(await access.isAdmin('USTRANGER')).toBe(true);
      expect(groupLookups(own)).toBe(3);

      // With no list known at all, a failure lets nobody from the group in (fail closed).
      const cold = createAccessPolicy({ admins: [], adminGroup: 'SCACHE', channels: ['CONLY1'], groupTtlMs: 60_000, now: () => now }, chat, createLogger('test', 'silent'));
      own.failNext('usergroups.users.list', { status: 503 });
      expect(await cold.isAdmin('USTRANGER')).toBe(false);
      expect(cold.channelAllowed('CONLY1')).toBe(true);
      expect(cold.channelAllowed('COTHER1')).toBe(false);
    } finally {
      await own.close();
    }
  });
});

describe('the two-person rule', () => {
  it('refuses self-approval and a non-admin approver; retrying the install and skipping the database step each take a second admin', async () => {
    const scenario = scenarioFor('sfb2015-standard', 'se-acc4.contoso.com', {
      fail: { 'install-update': { exitCode: 1603, stderr: 'Fatal error during installation', times: 1 }, 'update-databases': { exitCode: 1, stderr: 'Install-CsDatabase : timeout', times: 1 } },
    });
    const runner = await readyRunner(redis, prefix, scenario);
    const { parent, runId } = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });
    const approve = button(parent, 'cspatch_approve');

    await answered(fake, 'UADMIN1', /You requested this patch, so another admin must approve it\./, () => bot.click('UADMIN1', CHANNEL, approve), 'the self-approval refusal');
    await answered(fake, 'UNOTADMIN', /Only cspatch admins can do that\./, () => bot.click('UNOTADMIN', CHANNEL, approve), "the non-admin's refusal");
    expect((await runOf(redis, prefix, runId)).status).toBe('awaiting_approval');
    expect(ran(runner)).toEqual(['detect-facts', 'detect-facts']);
    await settled(redis, prefix, runId);
    const refused = (await auditOf(redis, prefix, runId)).filter((e) => e.action === 'refused');
    expect(refused.map((e) => [e.actor, e.detail.reason])).toEqual([
      ['UADMIN1', 'self_approval'],
      ['UNOTADMIN', 'not_admin'],
    ]);

    await bot.click('UADMIN2', CHANNEL, approve);
    const plan = (await runOf(redis, prefix, runId)).plan!;
    const install = plan.steps.findIndex((s) => s.stepId === 'install-update');
    const database = plan.steps.findIndex((s) => s.stepId === 'update-databases');

    // The install fails. UADMIN1 asks to retry: that alone does nothing.
    const installGate = await waitReply(fake, CHANNEL, parent.ts, new RegExp(`Step ${install + 1} \\(.*\\) did not succeed`), 'the install failure gate', 60_000);
    const retry = button(installGate, 'cspatch_decide_retry');
    await bot.click('UADMIN1', CHANNEL, retry);
    await waitReply(fake, CHANNEL, parent.ts, /<@UADMIN1> asked to \*retry\* step \d+\. This needs a second admin/, 'the request for a second admin');
    await answered(fake, 'UADMIN1', /You asked for this already: a different admin must confirm "retry"/, () => bot.click('UADMIN1', CHANNEL, retry), 'the refusal of the same admin confirming');
    await answered(fake, 'UNOTADMIN', /Only cspatch admins can do that\./, () => bot.click('UNOTADMIN', CHANNEL, retry), "the non-admin's refusal to confirm");
    expect(ran(runner).filter((s) => s === 'install-update')).toHaveLength(1);

    await bot.click('UADMIN3', CHANNEL, retry);
    await waitReply(fake, CHANNEL, parent.ts, /<@UADMIN3> chose to retry/, 'the confirmed retry');
    await waitReply(fake, CHANNEL, parent.ts, new RegExp(`Step ${install + 1}/\\d+ started again \\(attempt 2\\)`), 'the second attempt');

    // The database step fails. UADMIN2 asks to skip it; the requester, a different admin, confirms.
    const dbGate = await waitReply(fake, CHANNEL, parent.ts, new RegExp(`Step ${database + 1} \\(.*\\) did not succeed`), 'the database failure gate', 60_000);
    const skip = button(dbGate, 'cspatch_decide_skip');
    await bot.click('UADMIN2', CHANNEL, skip);
    await waitReply(fake, CHANNEL, parent.ts, /<@UADMIN2> asked to \*skip\* step \d+\. This needs a second admin/, 'the request to skip');
    await answered(fake, 'UADMIN2', /You asked for this already: a different admin must confirm "skip"/, () => bot.click('UADMIN2', CHANNEL, skip), 'the refusal to skip alone');
    expect((await runOf(redis, prefix, runId)).steps[database]?.status).toBe('failed');
    await bot.click('UADMIN1', CHANNEL, skip);
    await waitReply(fake, CHANNEL, parent.ts, /<@UADMIN1> chose to skip/, 'the confirmed skip');
    await waitRun(redis, prefix, runId, (r) => r.steps[database]?.status === 'skipped' && r.current > database, 'the run to move past the skipped step');

    expect(ran(runner).filter((s) => s === 'install-update')).toHaveLength(2);
    expect(ran(runner).filter((s) => s === 'update-databases')).toHaveLength(1);
    await settled(redis, prefix, runId);
    const decisions = (await auditOf(redis, prefix, runId)).filter((e) => ['decision_requested', 'decision', 'refused'].includes(e.action) && e.detail.action !== 'approve');
    expect(decisions.map((e) => [e.action, e.actor, e.detail.action ?? null, e.detail.reason ?? null])).toEqual([
      ['decision_requested', 'UADMIN1', 'retry', null],
      ['refused', 'UADMIN1', 'retry', 'second_admin_required'],
      ['refused', 'UNOTADMIN', 'retry', 'not_admin'],
      ['decision', 'UADMIN3', 'retry', null],
      ['decision_requested', 'UADMIN2', 'skip', null],
      ['refused', 'UADMIN2', 'skip', 'second_admin_required'],
      ['decision', 'UADMIN1', 'skip', null],
    ]);
    expect(decisions.every((e) => e.planHash === plan.hash)).toBe(true);
  }, 150_000);

  it('aborting while the install runs takes a second admin; the server is then left alone', async () => {
    const hold = holdStep(dir, 'install-update');
    const scenario = scenarioFor('sfb2015-standard', 'se-acc5.contoso.com', { waitForFile: { 'install-update': hold.path } });
    const server = parseScenario(scenario).server;
    const runner = await readyRunner(redis, prefix, scenario);
    const { parent, runId } = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });
    await bot.click('UADMIN2', CHANNEL, button(parent, 'cspatch_approve'));
    const plan = (await runOf(redis, prefix, runId)).plan!;
    const install = plan.steps.findIndex((s) => s.stepId === 'install-update');
    await waitRun(redis, prefix, runId, (r) => r.current === install && r.steps[install]?.status === 'running', 'the install to be running', 60_000);

    await bot.command('UADMIN1', CHANNEL, `abort ${runId}`);
    const asked = await waitReply(fake, CHANNEL, parent.ts, /<@UADMIN1> asked to \*abort\* step \d+\. This needs a second admin/, 'the abort request');
    await answered(fake, 'UADMIN1', /You asked for this already: a different admin must confirm "abort"/, () => bot.command('UADMIN1', CHANNEL, `abort ${runId}`), 'the refusal of a lone abort');
    await answered(fake, 'UNOTADMIN', /Only cspatch admins can do that\./, () => bot.command('UNOTADMIN', CHANNEL, `abort ${runId}`), "the non-admin's abort refusal");
    expect((await runOf(redis, prefix, runId)).status).toBe('running');

    await bot.click('UADMIN3', CHANNEL, button(asked, 'cspatch_decide_abort'));
    await waitReply(fake, CHANNEL, parent.ts, /<@UADMIN3> aborted the run\./, 'the abort');
    expect((await runOf(redis, prefix, runId)).status).toBe('aborted');

    // The installer is allowed to finish (killing it would be worse); nothing runs after it.
    hold.release();
    await waitRun(redis, prefix, runId, (r) => r.steps[install]?.status === 'succeeded', 'the install result to arrive', 60_000);
    await waitUntil(async () => (await redis.get(createKeys(prefix).lock(server))) === null, 'the lock to be released');
    expect(ran(runner).at(-1)).toBe('install-update');
    await settled(redis, prefix, runId);
    const trail = await auditOf(redis, prefix, runId);
    expect(trail.filter((e) => e.action === 'decision_requested' || e.action === 'decision').map((e) => [e.action, e.actor, e.detail.action])).toEqual([
      ['decision_requested', 'UADMIN1', 'abort'],
      ['decision', 'UADMIN3', 'abort'],
    ]);
    expect(trail.some((e) => e.action === 'refused' && e.actor === 'UADMIN1' && e.detail.reason === 'second_admin_required')).toBe(true);
  }, 150_000);
});

describe('break-glass', () => {
  it('is refused while CSPATCH_BREAK_GLASS is off, which is the default, and the refusal is audited', async () => {
    const scenario = scenarioFor('sfb2015-standard', 'se-acc6.contoso.com');
    const server = parseScenario(scenario).server;
    await readyRunner(redis, prefix, scenario);
    const text = `patch ${server} ${packagePathFor(scenario)} --break-glass "pool is down, nobody else awake"`;
    await answered(fake, 'UADMIN1', /Break-glass is switched off \(CSPATCH_BREAK_GLASS\)\./, () => bot.command('UADMIN1', CHANNEL, text), 'the break-glass refusal');
    const entry = await waitAudit(redis, prefix, (e) => e.action === 'refused' && e.detail.reason === 'break_glass_disabled', 'the audited refusal');
    expect(entry).toMatchObject({ actor: 'UADMIN1', runId: null, detail: { server, breakGlass: 'pool is down, nobody else awake' } });
    expect(parentOf(fake, CHANNEL, server)).toBeUndefined();
  }, 60_000);

  it('when switched on: announced in the thread, audited as break-glass, and the requester may approve', async () => {
    const bgPrefix = runnerTestPrefix('breakglass');
    const bgChannel = 'CBREAKGLASS';
    let bg: BotHandle | undefined;
    let runner: RunnerHandle | undefined;
    try {
      bg = await startBot({ prefix: bgPrefix, slackApiUrl: fake.url, env: { CSPATCH_BREAK_GLASS: 'true' } });
      const scenario = scenarioFor('sfb2015-standard', 'se-acc7.contoso.com');
      const server = parseScenario(scenario).server;
      runner = await readyRunner(redis, bgPrefix, scenario);
      const { parent, runId } = await walkWith(bg, fake, { channel: bgChannel, requester: 'UADMIN1', scenario, extra: '--break-glass "SQL outage, second admin unreachable"' });
      await waitReply(fake, bgChannel, parent.ts, /:rotating_light: \*Break-glass\* run requested by <@UADMIN1>: "SQL outage, second admin unreachable"/, 'the announcement');
      expect(blocksText(parent.blocks)).toContain('Break-glass run: SQL outage, second admin unreachable');

      await bg.click('UADMIN1', bgChannel, button(parent, 'cspatch_approve'));
      await waitReply(fake, bgChannel, parent.ts, /<@UADMIN1> approved the plan\. Starting\./, 'the self-approval under break-glass');
      await waitReply(fake, bgChannel, parent.ts, /Summary for/, 'the summary', 90_000);
      await waitParent(fake, bgChannel, server, (t, m) => t.includes('Approved by <@UADMIN1>') && !buttons(m.blocks).some((b) => b.actionId === 'cspatch_approve'), 'the decided parent');

      await settled(redis, bgPrefix, runId);
      const trail = await auditOf(redis, bgPrefix, runId);
      expect(trail.find((e) => e.action === 'requested')?.detail).toMatchObject({ breakGlass: { reason: 'SQL outage, second admin unreachable' } });
      expect(trail.find((e) => e.action === 'break_glass')).toMatchObject({ actor: 'UADMIN1', detail: { reason: 'SQL outage, second admin unreachable' } });
      const approval = trail.find((e) => e.action === 'approved_break_glass');
      expect(approval).toMatchObject({ actor: 'UADMIN1', planHash: (await runOf(redis, bgPrefix, runId)).plan?.hash });
      expect(trail.some((e) => e.action === 'approved')).toBe(false);
      expect(replyTexts(fake, bgChannel, parent.ts).filter((t) => /Break-glass/.test(t))).toHaveLength(1);
    } finally {
      // Both write under the prefix until they stop.
      await bg?.stop();
      await runner?.stop();
      await cleanupPrefix(redis, bgPrefix);
    }
  }, 150_000);
});
