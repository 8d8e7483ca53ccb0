/**
 * `/cspatch` as people type it: the patch command's acknowledgement and its refusals, and the
 * other subcommands (status, abort, runners, history, help) with the content an admin would see.
 * Real bot and runner processes on the real Redis; Slack faked at its HTTP edge.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import type { Run } from '../../bot/lifecycle/run.js';
import { parseScenario } from '../../sim/scenario.js';
import type { Stores } from '../../store/ports.js';
import { type BotHandle } from '../helpers/bot.js';
import { blocksText, buttons, type FakeSlack } from '../helpers/fake-slack.js';
import {
  ephemeralTexts,
  packagePathFor,
  parentOf,
  runIdOf,
  scenarioOn,
  serverState,
  startRegisteredRunner,
  waitParent,
  waitReply,
  walkToPlan,
} from '../helpers/patch-driver.js';
import { useBotSuite } from '../helpers/bot-suite.js';
import { waitUntil } from '../helpers/runner.js';

const CHANNEL = 'CCMDS00001';
const suite = useBotSuite('commands');
const { prefix } = suite;
let fake: FakeSlack, bot: BotHandle, redis: Redis, stores: Stores;
beforeAll(() => void ({ fake, bot, redis, stores } = suite));

async function runOf(runId: string): Promise<Run> {
  const stored = await stores.runs.get<Run>(runId);
  if (!stored) throw new Error(`run ${runId} is not in Redis`);
  return stored.value;
}

/** Sends `/cspatch <text>` as `user` and returns the private answer it produced. */
async function ask(user: string, text: string): Promise<string> {
  const before = ephemeralTexts(fake, user).length;
  const res = await bot.command(user, CHANNEL, text);
  expect(res.status).toBe(200);
  return waitUntil(() => ephemeralTexts(fake, user)[before], `the answer to "/cspatch ${text}"`, 45_000);
}

/** `/cspatch abort <run>` by an admin: answered in the run's thread, so wait on the run itself. */
async function abortRun(runId: string): Promise<void> {
  expect((await bot.command('UADMIN3', CHANNEL, `abort ${runId}`)).status).toBe(200);
  await waitUntil(async () => (await runOf(runId)).status === 'aborted', `run ${runId} to be aborted`, 45_000);
}

/** Nothing was started for `server`: no thread parent, no job in its stream, its lock free. */
async function expectNothingStarted(server: string): Promise<void> {
  expect(parentOf(fake, CHANNEL, server)).toBeUndefined();
  expect(fake.calls.filter((c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes(server))).toHaveLength(0);
  expect(await serverState(redis, prefix, server)).toEqual({ lock: null, jobs: [] });
}

const DATE = /<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+>/;
const USAGE_LINES = [
  '`/cspatch patch <server-fqdn> [package-path]` start a patch',
  '`/cspatch status [run]` show active runs or one run',
  '`/cspatch abort <run>` abort a run',
  '`/cspatch runners` list the runners and when they were last heard',
  '`/cspatch history <server-fqdn>` recent runs on a server',
  '`/cspatch help` this text',
];

describe('help, usage and empty answers', () => {
  it('answers help, an empty command, unknown subcommands and bad arguments with the usage text', async () => {
    for (const text of ['help', '', 'HELP']) {
      const answer = await ask('UADMIN1', text);
      for (const line of USAGE_LINES) expect(answer).toContain(line);
    }
    const unknown = await ask('UADMIN1', 'frobnicate now');
    expect(unknown).toContain('I do not know "frobnicate".');
    for (const line of USAGE_LINES) expect(unknown).toContain(line);
    // Right subcommand, wrong arguments: the usage again, naming the subcommand.
    for (const [text, word] of [['patch', 'patch'], ['patch a.contoso.com C:\\x.exe extra', 'patch'], ['runners now', 'runners'], ['history', 'history'], ['abort', 'abort'], ['abort NOT-A-RUN!', 'abort']] as const) {
      const answer = await ask('UADMIN2', text);
      expect(answer).toContain(`I do not know "${word}".`);
      expect(answer).toContain('`/cspatch patch <server-fqdn> [package-path]`');
    }
    expect(await ask('UADMIN2', 'history not_a_server!')).toMatch(/^That is not a server name I can use: /);
    expect(await ask('UADMIN2', 'status NOT-A-RUN!')).toBe('There is no run NOT-A-RUN!.');
    expect(fake.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(0);
  }, 180_000);

  it('says so when nothing is active, no runner has registered and a server has no history', async () => {
    expect(await ask('UADMIN1', 'status')).toBe('No run is active.');
    expect(await ask('UADMIN1', 'runners')).toBe('No runner has registered yet.');
    expect(await ask('UADMIN1', 'history fe01.contoso.com')).toBe('No runs recorded for fe01.contoso.com.');
  }, 180_000);
});

describe('/cspatch patch', () => {
  it('is acknowledged with 200 before any Web API call for the run, even while Slack hangs', async () => {
    const scenario = scenarioOn('sfb2015-standard', 'se-ack1.contoso.com');
    const server = parseScenario(scenario).server;
    await startRegisteredRunner(redis, prefix, scenario);
    // The run's first message hangs in Slack: an acknowledgement waiting on it would never come.
    fake.failNext('chat.postMessage', { hang: true });
    const before = fake.calls.length;
    const res = await bot.command('UADMIN1', CHANNEL, `patch ${server} ${packagePathFor(scenario)}`);
    const seenAtAck = fake.calls.slice(before).map((c) => c.method);
    expect(res.status).toBe(200);
    expect(seenAtAck).toEqual([]);

    // The run did start, after the acknowledgement: its parent post (the hanging one) came later,
    // and once Slack answers again the parent is there.
    const post = await fake.waitForCall('chat.postMessage', (c, i) => i >= before && JSON.stringify(c.body).includes(`Patch ${server}`), 20_000);
    expect(post.fault).toEqual({ hang: true });
    const parent = await waitParent(fake, CHANNEL, server, (_t, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_confirm_open'), 'the parent, posted again after the hang', 60_000);
    const runId = runIdOf(parent);
    expect((await serverState(redis, prefix, server)).lock).toMatch(new RegExp(`^${runId}:\\d+$`));
    await abortRun(runId);
  }, 180_000);

  it('refuses a malformed FQDN, an unknown server, an offline runner and a non-admin, starting nothing', async () => {
    expect(await ask('UADMIN1', 'patch not_a_server!')).toMatch(/^That is not a server name I can use: /);
    expect(await ask('UADMIN1', 'patch fe01')).toMatch(/^That is not a server name I can use: give the fully qualified domain name/);

    expect(await ask('UADMIN1', 'patch ghost.contoso.com')).toBe(
      'No runner has ever registered for ghost.contoso.com. Install and start the runner on that server first (see the README).',
    );
    await expectNothingStarted('ghost.contoso.com');

    // A runner that registered once and has been silent for ten minutes.
    const silentSince = Date.now() - 10 * 60_000;
    await stores.runners.heartbeat({ server: 'se-gone.contoso.com', runnerId: 'runner-gone', version: '0.1.0', startedAt: silentSince - 3600_000, heartbeatAt: silentSince, busyJobId: null, facts: null });
    const offline = await ask('UADMIN1', 'patch se-gone.contoso.com');
    expect(offline).toMatch(/^The runner on se-gone\.contoso\.com has not been heard from since <!date\^\d+\^/);
    expect(offline).toContain(`<!date^${Math.floor(silentSince / 1000)}^`);
    expect(offline).toContain('Start it, then try again.');
    await expectNothingStarted('se-gone.contoso.com');

    const scenario = scenarioOn('sfb2015-standard', 'se-nonadmin.contoso.com');
    const server = parseScenario(scenario).server;
    await startRegisteredRunner(redis, prefix, scenario);
    expect(await ask('UNOTADMIN', `patch ${server}`)).toBe('Only cspatch admins can do that.');
    await expectNothingStarted(server);
  }, 180_000);

  it('refuses a second patch of a server while a run is active there, leaving the first run alone', async () => {
    const scenario = scenarioOn('sfb2019-standard', 'se-busy.contoso.com');
    const server = parseScenario(scenario).server;
    await startRegisteredRunner(redis, prefix, scenario);
    const started = await ask('UADMIN1', `patch ${server} ${packagePathFor(scenario)}`);
    const runId = /^Starting run ([a-z0-9]+) for se-busy\.contoso\.com: follow it in the channel\.$/.exec(started)?.[1] ?? '';
    expect(runId).not.toBe('');
    await waitParent(fake, CHANNEL, server, (_t, m) => buttons(m.blocks).some((b) => b.actionId === 'cspatch_confirm_open'), 'the first run waiting for confirmation');
    const stateBefore = await serverState(redis, prefix, server);

    expect(await ask('UADMIN2', `patch ${server}`)).toBe(`Run ${runId} is already active on ${server}. Finish or abort it first.`);
    const parents = fake.messages(CHANNEL).filter((m) => !m.thread_ts && blocksText(m.blocks).includes(`Patch ${server}`));
    expect(parents).toHaveLength(1);
    const stateAfter = await serverState(redis, prefix, server);
    expect(stateAfter).toEqual(stateBefore);
    expect(stateAfter.lock).toMatch(new RegExp(`^${runId}:\\d+$`));
    expect(stateAfter.jobs.every((j) => j.runId === runId)).toBe(true);
    expect((await runOf(runId)).status).toBe('confirming');

    await abortRun(runId);
    await waitUntil(async () => (await serverState(redis, prefix, server)).lock === null, 'the lock to be released by the abort', 45_000);
  }, 180_000);
});

describe('status, abort, runners and history', () => {
  it('shows the active run, one run in detail, the runners, aborts a run and lists it in the history', async () => {
    const scenario = scenarioOn('sfb2015-standard', 'se-cmds.contoso.com');
    const s = parseScenario(scenario);
    await startRegisteredRunner(redis, prefix, scenario);
    const { parent, runId } = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });

    const active = await ask('UADMIN2', 'status');
    expect(active).toMatch(new RegExp(`^\`${runId}\` se-cmds\\.contoso\\.com: Waiting for a second admin to approve \\(requested by <@UADMIN1> <!date\\^\\d+\\^`, 'm'));

    const detail = await ask('UADMIN2', `status ${runId}`);
    expect(detail).toContain('Patch se-cmds.contoso.com');
    expect(detail).toContain('Waiting for a second admin to approve');
    expect(detail).toContain('*Product:* Skype for Business Server 2015');
    expect(detail).toContain('Install-CsDatabase -Update -LocalDatabases');
    expect(detail).toContain(`*Version before:* ${s.versionBefore}`);
    // A private status is for reading: no buttons in it.
    const detailEphemeral = fake.ephemerals().filter((e) => e.user === 'UADMIN2').at(-1);
    expect(buttons(detailEphemeral?.blocks)).toHaveLength(0);

    const runners = await ask('UADMIN3', 'runners');
    const line = runners.split('\n').find((l) => l.startsWith('se-cmds.contoso.com:')) ?? '';
    expect(line).toMatch(/^se-cmds\.contoso\.com: online, last heard <!date\^\d+\^/);
    expect(line).toContain(`Skype for Business Server 2015 ${s.versionBefore}`);
    expect(runners).toMatch(/^se-gone\.contoso\.com: offline, last heard /m);

    expect(await ask('UNOTADMIN', `abort ${runId}`)).toBe('Only cspatch admins can do that.');
    expect((await runOf(runId)).status).toBe('awaiting_approval');
    expect(await ask('UADMIN2', 'abort zzzzzzzzzzzz')).toBe('There is no run zzzzzzzzzzzz.');

    await bot.command('UADMIN2', CHANNEL, `abort ${runId}`);
    await waitReply(fake, CHANNEL, parent.ts, /<@UADMIN2> aborted the run\./, 'the aborted reply');
    await waitParent(fake, CHANNEL, s.server, (t) => t.includes('*Aborted* (an admin aborted the run)'), 'the aborted parent');
    await waitUntil(async () => (await serverState(redis, prefix, s.server)).lock === null, 'the lock to be released', 45_000);
    expect((await serverState(redis, prefix, s.server)).jobs.map((j) => j.stepId)).toEqual(['detect-facts']);
    expect(await ask('UADMIN2', `abort ${runId}`)).toBe('That run has already finished (Aborted).');

    const history = await ask('UADMIN1', 'history SE-CMDS.contoso.com');
    expect(history).toMatch(new RegExp(`^\`${runId}\` se-cmds\\.contoso\\.com: Aborted \\(requested by <@UADMIN1> `));
    expect(history).toMatch(DATE);
    const status = await ask('UADMIN1', 'status');
    expect(status).not.toContain(runId);
  }, 180_000);
});
