import type { TFunction } from '../i18n/translator.js';
import type { Run } from '../lifecycle/run.js';
import { ACTION, actions, button, context, divider, header, section, type Block } from './blocks.js';
import { fieldLabels } from './ephemeral.js';
import { neutralize } from './sanitize.js';
import { collocatedLabel, downtimeMinutes, duration, editionLabel, mention, productLabel, STATE_ICON, when } from './format.js';

function statusLine(t: TFunction, run: Run, now: number): string {
  const total = run.plan?.steps.length ?? 0;
  const index = (run.gate?.stepIndex ?? run.current) + 1;
  let line = `*${t(`status.${run.status}`, { index, total })}*`;
  if (run.reason && ['rejected', 'expired', 'aborted'].includes(run.status)) line += ` (${t(`reason.${run.reason}`)})`;
  const started = run.approval?.at;
  if (started && (run.status === 'running' || run.status === 'waiting' || run.status === 'failed' || run.status === 'interrupted' || run.status === 'restoring')) {
    line += ` · ${t('parent.elapsed', { duration: duration(now - started) })}`;
  }
  return line;
}

function factsBlock(t: TFunction, run: Run): Block[] {
  const f = run.confirmed;
  if (!f) return [];
  const lines = [
    t('parent.facts', {
      product: productLabel(t, f.product),
      edition: editionLabel(t, f.edition),
      collocated: f.edition === 'standard' ? collocatedLabel(t, false) : collocatedLabel(t, f.collocatedStores),
    }),
  ];
  if (f.sqlServerFqdn && f.edition === 'enterprise') lines.push(t('parent.sql', { sql: f.sqlServerFqdn }));
  lines.push(t('parent.package', { path: `\`${f.packagePath}\`` }), t('parent.sha', { sha: `\`${f.packageSha256}\`` }));
  // Versions come from the server's output: shown inert, like any other server text.
  if (run.versionBefore) lines.push(t('parent.version', { before: neutralize(run.versionBefore) }));
  if (run.versionAfter) lines.push(t('parent.versionAfter', { after: neutralize(run.versionAfter) }));
  const blocks = [section(lines.join('\n'))];
  if (run.mismatches.length > 0) {
    blocks.push(context(t('parent.mismatch', { fields: fieldLabels(t, run.mismatches), user: mention(run.confirmedBy ?? '') })));
  }
  return blocks;
}

export function detectedSummary(t: TFunction, run: Run): string {
  const d = run.detected;
  return t('parent.detected', {
    product: productLabel(t, d?.product),
    edition: editionLabel(t, d?.edition),
    collocated: d?.edition ? collocatedLabel(t, (d.collocated.length ?? 0) > 0) : collocatedLabel(t, null),
    sql: d?.sqlServerFqdn && d.edition === 'enterprise' ? `, SQL ${neutralize(d.sqlServerFqdn)}` : '',
    reboot: d?.pendingReboot ? t('parent.pendingReboot') : '',
  });
}

function planBlocks(t: TFunction, run: Run): Block[] {
  const plan = run.plan;
  if (!plan) return [];
  const lines = plan.steps.map((s, i) => {
    const state = run.steps[i]?.status ?? 'pending';
    const origin = s.docStep === null ? t('parent.added') : t('parent.docStep', { n: s.docStep });
    return `${STATE_ICON[state] ?? ''} *${s.index}.* ${t(`step.${s.stepId}`)} _(${origin})_\n      \`${s.command}\``;
  });
  // One section holds at most 3000 characters: split the list across sections.
  const chunks: string[] = [];
  let current = '';
  for (const line of lines) {
    if (current.length + line.length + 1 > 2900) {
      chunks.push(current);
      current = '';
    }
    current += (current ? '\n' : '') + line;
  }
  if (current) chunks.push(current);
  const firstStop = plan.steps.find((s) => s.stepId === 'stop-services');
  return [
    section(`*${t('parent.planHeader', { count: plan.steps.length, hash: plan.hash.slice(0, 12) })}*`),
    ...chunks.map(section),
    context(t('parent.resiliencyNote', { index: firstStop?.index ?? 0 }), t('parent.rebootNote')),
  ];
}

function decisionBlocks(t: TFunction, run: Run, now: number): Block[] {
  if (run.status === 'confirming') {
    return [actions(`confirm:${run.id}`, [button(t('parent.confirm'), ACTION.confirmOpen, { r: run.id }, 'primary')])];
  }
  if (run.status === 'awaiting_approval' && run.plan) {
    const out: Block[] = [
      actions(`approval:${run.id}`, [
        button(t('parent.approve'), ACTION.approve, { r: run.id, h: run.plan.hash }, 'primary'),
        button(t('parent.reject'), ACTION.reject, { r: run.id, h: run.plan.hash }, 'danger'),
        // Confirming the facts again replaces the plan; the approve button above then goes stale.
        button(t('parent.confirm'), ACTION.confirmOpen, { r: run.id }),
      ]),
    ];
    if (run.approvalExpiresAt) out.push(context(t('parent.expires', { when: when(run.approvalExpiresAt) })));
    return out;
  }
  if (run.decidedBy) {
    const key = run.decidedBy.action === 'approved' ? 'parent.approvedBy' : 'parent.rejectedBy';
    return [context(t(key, { user: mention(run.decidedBy.by), when: when(run.decidedBy.at) }))];
  }
  void now;
  return [];
}

/**
 * The thread parent: a live summary of the run. Rebuilt from the run state each time, so an
 * update after any delay or restart shows the truth, not a patch of the last message.
 */
export function parentBlocks(t: TFunction, run: Run, now: number): Block[] {
  const blocks: Block[] = [header(t('parent.title', { server: run.server })), section(statusLine(t, run, now))];
  if (run.breakGlass) blocks.push(section(t('parent.breakGlass', { reason: neutralize(run.breakGlass.reason) })));
  const people = [t('parent.requestedBy', { user: mention(run.requestedBy) })];
  if (run.confirmedBy) people.push(t('parent.confirmedBy', { user: mention(run.confirmedBy) }));
  blocks.push(context(...people));
  if (!run.confirmed && run.detected) blocks.push(section(detectedSummary(t, run)));
  blocks.push(...factsBlock(t, run));
  const minutes = downtimeMinutes(run, now);
  if (minutes !== null) blocks.push(context(t(run.resiliency.endedAt ? 'parent.clockDone' : 'parent.clock', { minutes })));
  const plan = planBlocks(t, run);
  if (plan.length) blocks.push(divider(), ...plan);
  blocks.push(...decisionBlocks(t, run, now));
  return blocks.slice(0, 50);
}
