/**
 * manifest.json is the Slack app the bot needs, no more: the `/cspatch` command, interactivity on
 * the bot's one request URL, and bot scopes exactly those of the Web API methods the bot calls.
 * The methods are taken from what the fake Slack recorded while the real bot did everything it
 * does (a whole patch approved by a user-group admin, a modal, commands, a Full output click), and
 * checked against the methods the code can call, so a new call without its scope fails here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { cleanupBots, startBot, type BotHandle } from '../helpers/bot.js';
import { blocksText, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { button, ephemeralTexts, replies, scenarioOn, startRegisteredRunner, waitEphemeral, waitReply, walkToPlan, RUN_PATIENCE } from '../helpers/patch-driver.js';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { cleanupRunners, REPO_ROOT, runnerTestPrefix, waitUntil } from '../helpers/runner.js';

const CHANNEL = 'CMANIFEST1';
const ADMIN_GROUP = 'S0CSADMINS';
const prefix = runnerTestPrefix('manifest');
let fake: FakeSlack;
let bot: BotHandle;
let redis: Redis;

/**
 * The bot scope each Web API method needs (api.slack.com/methods/<method>, "Required scopes").
 * A method missing here fails the test: add it with its scope, and the scope to manifest.json.
 */
const METHOD_SCOPES: Readonly<Record<string, readonly string[]>> = {
  'auth.test': [],
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'views.open': [],
  'users.info': ['users:read'],
  'usergroups.users.list': ['usergroups:read'],
};

/** Slack's app manifest, the parts and limits that apply to this app. */
const manifestSchema = z
  .object({
    display_information: z.object({
      name: z.string().min(1).max(35),
      description: z.string().min(1).max(140).optional(),
      long_description: z.string().min(175).max(4000).optional(),
      background_color: z.string().regex(/^#[0-9a-fA-F]{6}$/).optional(),
    }).strict(),
    features: z.object({
      bot_user: z.object({ display_name: z.string().min(1).max(80), always_online: z.boolean().optional() }).strict(),
      slash_commands: z.array(
        z.object({
          command: z.string().regex(/^\/[a-z0-9_-]{1,31}$/),
          url: z.string().url().startsWith('https://'),
          description: z.string().min(1).max(2000),
          usage_hint: z.string().max(1000).optional(),
          should_escape: z.boolean().optional(),
        }).strict(),
      ).min(1).max(50),
    }).strict(),
    oauth_config: z.object({ scopes: z.object({ bot: z.array(z.string()).min(1) }).strict() }).strict(),
    settings: z.object({
      interactivity: z.object({ is_enabled: z.boolean(), request_url: z.string().url().startsWith('https://').optional() }).strict(),
      org_deploy_enabled: z.boolean().optional(),
      socket_mode_enabled: z.boolean().optional(),
      token_rotation_enabled: z.boolean().optional(),
    }).strict(),
  })
  .strict();

const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(REPO_ROOT, 'manifest.json'), 'utf8')));

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL);
  fake = await startFakeSlack({ groups: { [ADMIN_GROUP]: ['UGROUPADM'] }, users: { UADMIN1: { name: 'alice', locale: 'en-US', tz: 'Europe/London' } } });
  bot = await startBot({ prefix, slackApiUrl: fake.url, admins: 'UADMIN1', env: { CSPATCH_ADMIN_GROUP: ADMIN_GROUP } });
}, 60_000);

afterAll(async () => {
  await cleanupBots();
  await cleanupRunners();
  await fake.close();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

/** Every Web API method named in the bot's source as a `client.<family>.<method>(` call. */
function methodsInSource(dir: string): Set<string> {
  const found = new Set<string>();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      for (const m of methodsInSource(path)) found.add(m);
    } else if (name.endsWith('.ts')) {
      for (const m of readFileSync(path, 'utf8').matchAll(/\bclient\.((?:[a-z]+[A-Za-z]*\.)+[a-z]+[A-Za-z]*)\(/g)) found.add(m[1] ?? '');
    }
  }
  return found;
}

describe('manifest.json', () => {
  it('is a well-formed manifest with the /cspatch command and interactivity on the bot endpoint', () => {
    const commands = manifest.features.slash_commands;
    expect(commands.map((c) => c.command)).toEqual(['/cspatch']);
    const cspatch = commands[0]!;
    expect(new URL(cspatch.url).pathname).toBe('/slack/events');
    for (const sub of ['patch <server-fqdn> [package-path]', 'status', 'abort <run>', 'runners', 'history <server>', 'help']) expect(cspatch.usage_hint).toContain(sub);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    // HTTP mode (no Socket Mode): Slack needs the request URL, and it is the bot's one endpoint.
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    expect(manifest.settings.interactivity.request_url).toBe(cspatch.url);
  });

  it('asks for exactly the bot scopes of the Web API methods the bot calls, plus commands', async () => {
    const scenario = scenarioOn('sfb2015-standard', 'se-manifest.contoso.com');
    await startRegisteredRunner(redis, prefix, scenario);

    // Everything the bot does in Slack: a command, the modal, a plan approved by a member of the
    // admin user group, every step reported, a Full output click, and a refusal.
    const before = ephemeralTexts(fake, 'UADMIN1').length;
    await bot.command('UADMIN1', CHANNEL, 'runners');
    await waitUntil(() => ephemeralTexts(fake, 'UADMIN1').length > before, 'the runners answer', 45_000);
    const { parent } = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });
    await bot.click('UNOTADMIN', CHANNEL, button(parent, 'cspatch_approve'));
    await waitEphemeral(fake, 'UNOTADMIN', /Only cspatch admins can do that/, 'the refusal');
    await bot.click('UGROUPADM', CHANNEL, button(parent, 'cspatch_approve'));
    await waitReply(fake, CHANNEL, parent.ts, /<@UGROUPADM> approved the plan/, "the group admin's approval");
    await waitReply(fake, CHANNEL, parent.ts, /Summary for/, 'the summary', RUN_PATIENCE);
    const step = replies(fake, CHANNEL, parent.ts).find((m) => /Step 5\/\d+ done/.test(blocksText(m.blocks)));
    if (!step) throw new Error('no finished step 5 in the thread');
    await bot.click('UGROUPADM', CHANNEL, button(step, 'cspatch_output'));
    await waitEphemeral(fake, 'UGROUPADM', /Stopping RTCSRV/, 'the full output');

    const called = [...new Set(fake.calls.map((c) => c.method).filter((m) => m !== 'response_url'))].sort();
    const unmapped = called.filter((m) => !(m in METHOD_SCOPES));
    expect(unmapped).toEqual([]);
    // The test reached every call the code can make (and Bolt's own auth.test at start).
    expect(called).toEqual([...new Set([...methodsInSource(join(REPO_ROOT, 'bot')), 'auth.test'])].sort());

    // `commands` comes with the slash command the app defines and the bot answers.
    const needed = [...new Set([...called.flatMap((m) => METHOD_SCOPES[m] ?? []), 'commands'])].sort();
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(needed);
    expect(needed).toEqual(['chat:write', 'commands', 'usergroups:read', 'users:read']);
  }, 300_000);
});
