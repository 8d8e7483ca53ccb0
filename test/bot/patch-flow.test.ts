/**
 * The whole product, end to end: a real bot process and a real runner process on the real Redis,
 * Slack faked only at its HTTP edge, requests signed as Slack signs them, PowerShell faked by the
 * simulator. One walk per database variant, from the slash command to the summary.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { buildPlan } from '../../commands/build-plan.js';
import { parseScenario, sqlOf } from '../../sim/scenario.js';
import { cleanupBots, startBot, type BotHandle } from '../helpers/bot.js';
import { blocksText, buttons, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.js';
import { button, packagePathFor, replyTexts, waitEphemeral, waitParent, waitReply, walkToPlan } from '../helpers/patch-driver.js';
import { cleanupPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { cleanupRunners, loadScenarioFixture, runnerTestPrefix, startRunner, waitUntil } from '../helpers/runner.js';

const CHANNEL = 'CPATCH01';
const prefix = runnerTestPrefix('flow');
let fake: FakeSlack;
let bot: BotHandle;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL);
  fake = await startFakeSlack();
  bot = await startBot({ prefix, slackApiUrl: fake.url });
});

afterAll(async () => {
  await cleanupBots();
  await cleanupRunners();
  await fake.close();
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

const VARIANTS = [
  ['Enterprise Edition with collocated stores', 'sfb2019-enterprise-collocated', 'Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn SQL -ExcludeCollocatedStores'],
  ['Enterprise Edition without collocated stores', 'sfb2015-enterprise', 'Install-CsDatabase -Update -ConfiguredDatabases -SqlServerFqdn SQL'],
  ['Standard Edition', 'lync2013-standard', 'Install-CsDatabase -Update -LocalDatabases'],
] as const;

describe.each(VARIANTS)('a full patch: %s', (_label, fixture, dbCommand) => {
  it('goes from the slash command through confirmation and a second admin to the summary, running exactly the plan', async () => {
    const scenario = loadScenarioFixture(fixture);
    const s = parseScenario(scenario);
    const runner = startRunner({ server: s.server, prefix, scenario });
    await runner.waitForOutput(/registered|heartbeat|detected/i, 'registration');
    await waitUntil(async () => (await redis.zscore(`${prefix}:runners`, s.server)) !== null, 'the runner to register');

    const { parent, runId } = await walkToPlan(bot, fake, { channel: CHANNEL, requester: 'UADMIN1', scenario });
    const sql = sqlOf(s) ?? '';
    const planText = blocksText(parent.blocks);
    const expectedDb = dbCommand.replace('SQL', sql);
    expect(planText).toContain(expectedDb);
    expect(planText).toContain('Stop-CsWindowsService');
    expect(planText).toContain('net stop w3svc');
    expect(planText).toMatch(/30 minutes/);
    expect(planText).toContain('<@UADMIN1>');

    // The requester cannot approve their own plan.
    await bot.click('UADMIN1', CHANNEL, button(parent, 'cspatch_approve'));
    await waitEphemeral(fake, 'UADMIN1', /another admin must approve/, 'the self-approval refusal');

    await bot.click('UADMIN2', CHANNEL, button(parent, 'cspatch_approve'));
    const summary = await waitReply(fake, CHANNEL, parent.ts, /Summary for/, 'the summary', 60_000);
    const summaryText = blocksText(summary.blocks);
    expect(summaryText).toContain('Patched successfully');
    expect(summaryText).toContain(`${s.versionBefore} → ${s.versionAfter}`);
    expect(summaryText).toContain('<@UADMIN2>');

    // A second approval after the decision changes nothing and says who decided.
    await bot.click('UADMIN3', CHANNEL, button(parent, 'cspatch_approve'));
    await waitEphemeral(fake, 'UADMIN3', /already decided by <@UADMIN2>/, 'the second-approval refusal');

    // Exactly the plan's steps ran on the server, in order, each once.
    const plan = buildPlan({
      server: s.server,
      product: s.product,
      edition: s.edition,
      collocatedStores: s.collocated.length > 0,
      ...(s.edition === 'enterprise' ? { sqlServerFqdn: sql } : {}),
      packagePath: packagePathFor(scenario),
      packageSha256: s.package.sha256,
      runId,
    });
    const ran = runner.simLog().map((e) => e.stepId);
    expect(ran).toEqual(['detect-facts', 'detect-facts', ...plan.steps.map((p) => p.stepId)]);
    const dbScript = runner.simLog().find((e) => e.stepId === 'update-databases')?.script ?? '';
    expect(dbScript).toContain(s.edition === 'standard' ? 'Install-CsDatabase -Update -LocalDatabases -Confirm:$false' : `${expectedDb.replace(sql, `'${sql}'`)} -Confirm:$false`);

    // The parent ends as a summary with every step done and the buttons replaced by the decision.
    const final = await waitParent(fake, CHANNEL, s.server, (t) => t.includes('Patched successfully') && t.includes('Approved by <@UADMIN2>'), 'the final parent');
    expect(buttons(final.blocks).filter((b) => b.actionId === 'cspatch_approve')).toHaveLength(0);
    const thread = replyTexts(fake, CHANNEL, parent.ts).join('\n');
    for (const step of plan.steps) expect(thread).toContain(`Step ${step.index}/${plan.steps.length} started`);
    await runner.stop();
  }, 120_000);
});
