import { coerceError } from '../../core/errors.js';
import type { Run } from '../lifecycle/run.js';
import { parseCommand, type ParsedCommand } from '../slash/parse-command.js';
import { section, type Block } from '../views/blocks.js';
import { mention, when } from '../views/format.js';
import { parentBlocks } from '../views/parent.js';
import { neutralize } from '../views/sanitize.js';
import type { BotDeps, Origin } from './bot-deps.js';
import { replyTo, sendBlocks } from './reply-to.js';

/** `/cspatch …`: answered privately, except a patch, which opens a thread in the channel. */
export async function handleCommand(deps: BotDeps, origin: Origin, text: string): Promise<void> {
  // Slack redelivers a command it thinks went unanswered (X-Slack-Retry-Num, a Socket Mode
  // envelope again): same trigger_id, so it is recorded and takes no effect.
  if (origin.triggerId && !(await deps.stores.dedupe.firstTime(`cmd:${origin.triggerId}`, 3600_000))) {
    await audit(deps, origin, 'refused', null, { reason: 'replayed_command', text: text.slice(0, 200) });
    return;
  }
  if (!deps.access.channelAllowed(origin.channel)) {
    await audit(deps, origin, 'refused', null, { reason: 'channel_not_allowed', text: text.slice(0, 200) });
    return replyTo(deps, origin, 'ephemeral.channel_not_allowed');
  }
  const cmd = parseCommand(text);
  try {
    await dispatch(deps, origin, cmd);
  } catch (err) {
    const e = coerceError(err);
    const ref = `${Date.now().toString(36)}`;
    deps.logger.error({ err: e, ref, cmd: cmd.kind }, 'command failed');
    await replyTo(deps, origin, 'ephemeral.internal', { ref });
  }
}

async function audit(deps: BotDeps, origin: Origin, action: string, runId: string | null, detail: Record<string, unknown>): Promise<void> {
  await deps.stores.audit.append({ at: deps.now(), actor: origin.user, action, runId, planHash: null, detail: { channel: origin.channel, ...detail } });
}

async function dispatch(deps: BotDeps, origin: Origin, cmd: ParsedCommand): Promise<void> {
  switch (cmd.kind) {
    case 'error':
      if (cmd.key === 'command.unknown') {
        const lang = await deps.languages.forUser(origin.user, origin.channel);
        const t = deps.translator.forLang(lang);
        const text = `${t(cmd.key, cmd.params)}\n${t('command.usage')}`;
        return sendBlocks(deps, origin, [section(text)], text);
      }
      return replyTo(deps, origin, cmd.key, cmd.params);
    case 'help':
      return replyTo(deps, origin, 'command.usage');
    case 'patch':
      return startPatch(deps, origin, cmd);
    case 'abort': {
      const admin = await deps.access.isAdmin(origin.user);
      const result = await deps.engine.dispatch(cmd.runId, { type: 'abort', actor: { id: origin.user, isAdmin: admin } });
      if (!result) return replyTo(deps, origin, 'ephemeral.run_not_found', { runId: cmd.runId });
      return;
    }
    case 'status':
      return status(deps, origin, cmd.runId);
    case 'runners':
      return runners(deps, origin);
    case 'history':
      return history(deps, origin, cmd.server);
    case 'audit':
      return auditTrail(deps, origin, cmd.runId);
    case 'lang': {
      if (!(await deps.access.isAdmin(origin.user)) && !cmd.forUser) {
        await audit(deps, origin, 'refused', null, { reason: 'not_admin', command: 'lang' });
        return replyTo(deps, origin, 'ephemeral.not_admin');
      }
      await deps.stores.settings.set(cmd.forUser ? 'user' : 'channel', cmd.forUser ? origin.user : origin.channel, 'lang', cmd.lang);
      return replyTo(deps, origin, 'ephemeral.lang_set', { lang: cmd.lang });
    }
  }
}

async function startPatch(deps: BotDeps, origin: Origin, cmd: Extract<ParsedCommand, { kind: 'patch' }>): Promise<void> {
  const { stores } = deps;
  if (!(await deps.access.isAdmin(origin.user))) {
    await audit(deps, origin, 'refused', null, { reason: 'not_admin', server: cmd.server });
    return replyTo(deps, origin, 'ephemeral.not_admin');
  }
  if (cmd.breakGlass !== null && !deps.breakGlassEnabled) {
    await audit(deps, origin, 'refused', null, { reason: 'break_glass_disabled', server: cmd.server, breakGlass: cmd.breakGlass });
    return replyTo(deps, origin, 'ephemeral.break_glass_disabled');
  }
  const runner = await stores.runners.get(cmd.server);
  if (!runner) {
    await audit(deps, origin, 'refused', null, { reason: 'unknown_server', server: cmd.server });
    return replyTo(deps, origin, 'ephemeral.unknown_server', { server: cmd.server });
  }
  if (deps.now() - runner.heartbeatAt > deps.runnerLostAfterMs) {
    await audit(deps, origin, 'refused', null, { reason: 'runner_offline', server: cmd.server });
    return replyTo(deps, origin, 'ephemeral.runner_offline', { server: cmd.server, when: when(runner.heartbeatAt) });
  }
  const { newRunId } = await import('../engine/run-engine.js');
  const runId = newRunId();
  const lock = await stores.locks.acquire(cmd.server, runId);
  if (!lock) {
    const holder = await stores.locks.holder(cmd.server);
    await audit(deps, origin, 'refused', holder?.runId ?? null, { reason: 'server_locked', server: cmd.server });
    return replyTo(deps, origin, 'ephemeral.server_locked', { server: cmd.server, runId: holder?.runId ?? '?' });
  }
  try {
    await deps.engine.create({
      id: runId,
      server: cmd.server,
      channel: origin.channel,
      requestedBy: origin.user,
      lang: await deps.languages.forChannel(origin.channel),
      packagePath: cmd.packagePath,
      breakGlass: cmd.breakGlass ? { reason: cmd.breakGlass } : null,
      lock,
    });
  } catch (err) {
    await stores.locks.release(cmd.server, lock);
    throw err;
  }
  await replyTo(deps, origin, 'ephemeral.started', { runId, server: cmd.server });
}

async function status(deps: BotDeps, origin: Origin, runId: string | null): Promise<void> {
  const lang = await deps.languages.forUser(origin.user, origin.channel);
  const t = deps.translator.forLang(lang);
  if (runId) {
    const run = await deps.engine.get(runId);
    if (!run) return replyTo(deps, origin, 'ephemeral.run_not_found', { runId });
    const blocks = parentBlocks(t, run, deps.now()).filter((b) => b.type !== 'actions');
    return sendBlocks(deps, origin, blocks, t(`status.${run.status}`, { index: run.current + 1, total: run.plan?.steps.length ?? 0 }));
  }
  const ids = await deps.stores.runs.listActive();
  const runs = (await Promise.all(ids.map((id) => deps.engine.get(id)))).filter((r): r is Run => r !== null);
  const text = runs.length === 0 ? t('command.noRuns') : runs.map((r) => runLine(t, r)).join('\n');
  return sendBlocks(deps, origin, [section(text)], text);
}

function runLine(t: (k: string, p?: Record<string, string | number>) => string, r: Run): string {
  return t('command.runLine', {
    runId: r.id,
    server: r.server,
    status: t(`status.${r.status}`, { index: (r.gate?.stepIndex ?? r.current) + 1, total: r.plan?.steps.length ?? 0 }),
    user: mention(r.requestedBy),
    when: when(r.requestedAt),
  });
}

async function runners(deps: BotDeps, origin: Origin): Promise<void> {
  const lang = await deps.languages.forUser(origin.user, origin.channel);
  const t = deps.translator.forLang(lang);
  const list = await deps.stores.runners.list();
  const lines = list.map((r) =>
    t('command.runnerLine', {
      server: r.server,
      state: t(deps.now() - r.heartbeatAt > deps.runnerLostAfterMs ? 'command.runnerOffline' : 'command.runnerOnline'),
      when: when(r.heartbeatAt),
      product: typeof r.facts?.product === 'string' ? t(`product.${['lync2013', 'sfb2015', 'sfb2019'].includes(r.facts.product) ? r.facts.product : 'unknown'}`) : t('product.unknown'),
      version: typeof r.facts?.version === 'string' ? r.facts.version : '',
    }),
  );
  const text = lines.length ? lines.join('\n') : t('command.noRunners');
  return sendBlocks(deps, origin, [section(text)], text);
}

async function history(deps: BotDeps, origin: Origin, server: string): Promise<void> {
  const lang = await deps.languages.forUser(origin.user, origin.channel);
  const t = deps.translator.forLang(lang);
  const ids = await deps.stores.runs.history(server, 10);
  const runs = (await Promise.all(ids.map((id) => deps.engine.get(id)))).filter((r): r is Run => r !== null);
  const text = runs.length ? runs.map((r) => runLine(t, r)).join('\n') : t('command.noHistory', { server });
  return sendBlocks(deps, origin, [section(text)], text);
}

async function auditTrail(deps: BotDeps, origin: Origin, runId: string): Promise<void> {
  const lang = await deps.languages.forUser(origin.user, origin.channel);
  const t = deps.translator.forLang(lang);
  const entries = await deps.stores.audit.read(runId);
  // 20 sections of 20 lines: well inside an ephemeral's 50 blocks; a longer trail shows its end.
  const lines = entries.slice(-400).map((e) => {
    const reason = typeof e.detail.reason === 'string' ? ` (${e.detail.reason})` : '';
    return t('command.auditLine', { when: when(e.at), actor: mention(neutralize(e.actor)), action: neutralize(`${e.action}${reason}`) });
  });
  const text = lines.length ? lines.join('\n') : t('command.noAudit', { runId });
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length || blocks.length === 0; i += 20) blocks.push(section(lines.slice(i, i + 20).join('\n') || text));
  return sendBlocks(deps, origin, blocks, text);
}
