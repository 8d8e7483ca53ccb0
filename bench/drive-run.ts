/**
 * One patch run driven the way two admins would in Slack: `/cspatch patch`, open the
 * confirmation when the button shows, submit the detected facts unchanged, a second admin
 * approves, then wait for the summary in the thread. Every request is signed as Slack signs it.
 */
import { performance } from 'node:perf_hooks';
import { confirmValues } from '../test/helpers/bot.js';
import type { FakeSlack } from '../test/helpers/fake-slack.js';
import { blockAction, sendToBot, slashCommand, viewSubmission } from '../test/helpers/slack-requests.js';
import { SIGNING_SECRET } from './bench-env.js';
import type { SlackIndex } from './slack-index.js';

export interface RunPlanFacts {
  readonly product: string;
  readonly edition: string;
  readonly collocated: boolean;
  readonly sql?: string;
  readonly packagePath: string;
}

export interface DriveContext {
  readonly botUrl: string;
  readonly fake: FakeSlack;
  readonly index: SlackIndex;
  readonly facts: RunPlanFacts;
  /** every request's time to its HTTP answer (the ack), in ms, by kind of request */
  readonly acks: Map<string, number[]>;
  /** where each run is, for the message when a run does not finish */
  readonly stage: Map<string, string>;
  readonly timeoutMs: number;
}

const REQUESTER = 'UADMIN1';
const APPROVER = 'UADMIN2';

let clicks = 0;
/**
 * A button click with an action_ts of its own. The request helper stamps action_ts with
 * millisecond precision, and the bot drops a second click of the same user, button and
 * action_ts as a redelivery; 200 runs clicked at once by one admin would collide. Slack's real
 * action_ts carries microseconds and differs per click, so a counter stands in for them here.
 */
function click(input: Parameters<typeof blockAction>[0]): string {
  const params = new URLSearchParams(blockAction(input));
  const payload = JSON.parse(params.get('payload') ?? '{}') as { actions?: Array<Record<string, unknown>> };
  clicks += 1;
  for (const a of payload.actions ?? []) a.action_ts = `${Math.floor(Date.now() / 1000)}.${String(clicks).padStart(6, '0')}`;
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

async function send(ctx: DriveContext, body: string, what: string): Promise<void> {
  const t0 = performance.now();
  const res = await sendToBot(ctx.botUrl, body, { secret: SIGNING_SECRET });
  const list = ctx.acks.get(what) ?? [];
  list.push(performance.now() - t0);
  ctx.acks.set(what, list);
  if (res.status !== 200 || res.text.includes('"errors"')) throw new Error(`${what}: the bot answered ${res.status} ${res.text.slice(0, 300)}`);
}

/** Resolves with the milliseconds from the slash command to the summary reply. */
export async function driveRun(ctx: DriveContext, server: string, channel: string): Promise<number> {
  const t0 = performance.now();
  const { index, facts } = ctx;
  const at = (stage: string) => ctx.stage.set(server, stage);
  at('command');
  await send(ctx, slashCommand({ text: `patch ${server} ${facts.packagePath}`, userId: REQUESTER, channelId: channel, responseUrl: ctx.fake.responseUrl() }), 'slash command');
  at('waiting for the confirm button');
  const confirm = await index.until(() => index.button(server, 'cspatch_confirm_open'), `the confirm button of ${server}`, ctx.timeoutMs);
  const runId = (JSON.parse(confirm.value ?? '{}') as { r?: string }).r ?? '';
  const parentTs = index.parent(server)?.ts ?? '';
  await send(ctx, click({ userId: REQUESTER, channelId: channel, actionId: confirm.actionId, value: confirm.value ?? '', messageTs: parentTs }), 'confirm click');
  at('waiting for the modal');
  await index.until(() => (index.viewOpened(runId) ? true : undefined), `the modal of ${runId}`, ctx.timeoutMs);
  const values = confirmValues({ product: facts.product, edition: facts.edition, collocated: facts.collocated, ...(facts.sql ? { sql: facts.sql } : {}), packagePath: facts.packagePath });
  await send(ctx, viewSubmission({ userId: REQUESTER, callbackId: 'cspatch_confirm', privateMetadata: runId, values }), 'modal submit');
  at('waiting for the approve button');
  const approve = await index.until(() => index.button(server, 'cspatch_approve'), `the approve button of ${server}`, ctx.timeoutMs);
  await send(ctx, click({ userId: APPROVER, channelId: channel, actionId: approve.actionId, value: approve.value ?? '', messageTs: parentTs }), 'approval');
  at('running');
  await index.until(() => (index.summarized(server) ? true : undefined), `the summary of ${server}`, ctx.timeoutMs);
  at('done');
  return performance.now() - t0;
}
