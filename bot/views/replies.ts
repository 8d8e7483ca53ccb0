import type { TFunction } from '../i18n/translator.js';
import type { ThreadMessage } from '../lifecycle/effects.js';
import { allowedActions } from '../lifecycle/on-decision-actions.js';
import type { Run, StepState } from '../lifecycle/run.js';
import { ACTION, actions, button, context, section, type Block } from './blocks.js';
import { downtimeMinutes, duration, mention, STATE_ICON } from './format.js';
import { neutralize, outputBlockText, redact, truncate } from './sanitize.js';

function stepLabel(run: Run, index: number): { command: string; total: number; n: number } {
  const step = run.plan?.steps[index];
  return { command: step?.command ?? '', total: run.plan?.steps.length ?? 0, n: index + 1 };
}

function finishedBlocks(t: TFunction, run: Run, state: StepState, title: string, outputValue: { r: string; j: string }): Block[] {
  const blocks: Block[] = [section(title)];
  if (state.message) blocks.push(section(neutralize(redact(truncate(state.message, 1000)))));
  const lines = state.tail.length ? outputBlockText(state.tail) : `_${t('reply.noOutput')}_`;
  blocks.push(section(lines));
  const extra: string[] = [];
  if (state.exitCode !== null) extra.push(t('reply.exitCode', { code: state.exitCode }));
  blocks.push(
    actions(`output:${outputValue.j}`, [button(t('reply.fullOutput'), ACTION.output, outputValue)]),
  );
  if (extra.length) blocks.push(context(...extra));
  void run;
  return blocks;
}

function gateBlocks(t: TFunction, run: Run, stepIndex: number): Block[] {
  const gate = run.gate;
  if (!gate || gate.stepIndex !== stepIndex) return [];
  const { command, n } = stepLabel(run, stepIndex);
  let text: string;
  switch (gate.kind) {
    case 'open-shells': {
      const procs = Array.isArray(gate.data.processes) ? (gate.data.processes as Array<Record<string, unknown>>) : [];
      const list = procs.map((p) => `${String(p.name ?? '?')} (PID ${String(p.pid ?? '?')}${p.user ? `, ${String(p.user)}` : ''})`).join(', ');
      text = t('reply.gate.openShells', { count: procs.length, list: neutralize(list) });
      break;
    }
    case 'reboot':
      text = gate.data.rebootOutcome ? t('reply.gate.rebootFailed', { outcome: String(gate.data.rebootOutcome) }) : t('reply.gate.reboot');
      break;
    case 'interrupted':
      text = t('reply.gate.interrupted', { index: n, command });
      break;
    default:
      text = t('reply.gate.failure', { index: n, command });
  }
  const buttons = allowedActions(gate.kind).map((a) =>
    button(t(`reply.button.${a}`), `${ACTION.decide}_${a}`, { r: run.id, a, s: stepIndex }, a === 'abort' ? 'danger' : a === 'retry' || a === 'wait' || a === 'reboot' ? 'primary' : undefined),
  );
  return [section(text), actions(`gate:${run.id}:${stepIndex}:${gate.openedAt}`, buttons)];
}

/** Renders one thread reply. Step data comes from the run, so a late render is still accurate. */
export function replyBlocks(t: TFunction, run: Run, message: ThreadMessage, now: number): Block[] {
  switch (message.kind) {
    case 'plan-ready':
      return [section(t('reply.planReady'))];
    case 'approved':
      return [section(t('reply.approved', { user: mention(message.by) }))];
    case 'rejected':
      return [section(t('reply.rejected', { user: mention(message.by) }))];
    case 'expired':
      return [section(t('reply.expired'))];
    case 'detect-failed':
      return [section(t('reply.detectFailed', { error: neutralize(redact(truncate(message.error, 300))) }))];
    case 'package-problem':
      return [section(t(`reply.packageProblem.${message.problem}`))];
    case 'plan-invalid':
      return [section(['mirrored', 'no_components'].includes(message.error) ? t(`reply.planBlocked.${message.error}`) : t('reply.planInvalid', { error: neutralize(message.error) }))];
    case 'step-started': {
      const { command, total, n } = stepLabel(run, message.stepIndex);
      const key = message.attempt > 1 ? 'reply.stepStartedRetry' : 'reply.stepStarted';
      return [section(t(key, { index: n, total, command, attempt: message.attempt }))];
    }
    case 'step-finished': {
      const state = run.steps[message.stepIndex];
      const step = run.plan?.steps[message.stepIndex];
      if (!state || !step) return [];
      const { total, n } = stepLabel(run, message.stepIndex);
      const title = t('reply.stepFinished', {
        icon: STATE_ICON[state.status] ?? '',
        index: n,
        total,
        state: t(`stepState.${state.status}`),
        duration: duration(state.durationMs ?? 0),
      });
      return finishedBlocks(t, run, state, `${title}\n\`${step.command}\``, { r: run.id, j: state.jobId ?? '' });
    }
    case 'extra-started': {
      const extra = run.extra[message.extraIndex];
      return extra ? [section(t('reply.extraStarted', { title: t(`step.${extra.stepId}`) }))] : [];
    }
    case 'extra-finished': {
      const extra = run.extra[message.extraIndex];
      if (!extra) return [];
      const title = t('reply.extraFinished', { icon: STATE_ICON[extra.state.status] ?? '', title: t(`step.${extra.stepId}`), state: t(`stepState.${extra.state.status}`) });
      return finishedBlocks(t, run, extra.state, title, { r: run.id, j: extra.state.jobId ?? '' });
    }
    case 'gate':
      return gateBlocks(t, run, message.stepIndex);
    case 'needs-second-admin': {
      const action = t(`reply.action.${message.action}`);
      return [
        section(t('reply.needsSecond', { user: mention(message.by), action, index: message.stepIndex + 1 })),
        actions(`second:${run.id}:${message.stepIndex}:${message.action}`, [
          button(t('reply.button.confirmAction', { action }), `${ACTION.decide}_${message.action}`, { r: run.id, a: message.action, s: message.stepIndex }, 'danger'),
        ]),
      ];
    }
    case 'decision':
      return [section(t('reply.decision', { user: mention(message.by), action: t(`reply.action.${message.action}`), index: message.stepIndex + 1 }))];
    case 'resiliency-warning':
      return [section(t('reply.resiliencyWarning', { minutes: message.minutes }))];
    case 'resiliency-limit':
      return [section(t('reply.resiliencyLimit', { minutes: message.minutes }))];
    case 'runner-lost':
      return [section(t('reply.runnerLost', { index: message.stepIndex + 1 }))];
    case 'aborted':
      return [section(t('reply.aborted', { user: mention(message.by) }))];
    case 'break-glass':
      return [section(t('reply.breakGlass', { user: mention(message.by), reason: neutralize(truncate(message.reason, 500)) }))];
    case 'summary':
      return summaryBlocks(t, run, now);
  }
}

function summaryBlocks(t: TFunction, run: Run, now: number): Block[] {
  const done = run.steps.filter((s) => s.status === 'succeeded').length;
  const skipped = run.steps.filter((s) => s.status === 'skipped').length;
  const lines = [
    `*${t('reply.summary.title', { server: run.server })}*`,
    t('reply.summary.outcome', { outcome: t(`status.${run.status === 'running' ? 'succeeded' : run.status}`, { index: 0, total: 0 }) }),
    t('reply.summary.steps', { done, skipped, total: run.plan?.steps.length ?? 0 }),
  ];
  const minutes = downtimeMinutes(run, now);
  if (minutes !== null) lines.push(t('reply.summary.downtime', { minutes }));
  if (run.approval) lines.push(t('reply.summary.approvedBy', { user: mention(run.approval.by) }));
  lines.push(t('reply.summary.versions', { before: neutralize(run.versionBefore ?? '?'), after: neutralize(run.versionAfter ?? '?') }));
  const blocks = [section(lines.join('\n'))];
  if (run.confirmed?.edition === 'enterprise' && run.confirmed.sqlServerFqdn) {
    blocks.push(context(t('reply.summary.alwaysOn', { sql: run.confirmed.sqlServerFqdn })));
  }
  return blocks;
}
