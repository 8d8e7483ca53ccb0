import type { DecisionAction, GateKind } from './run.js';

/** Which buttons a gate offers. Shared by the lifecycle (what is accepted) and the views. */
const ALLOWED: Readonly<Record<GateKind, readonly DecisionAction[]>> = {
  failure: ['retry', 'skip', 'restore', 'abort'],
  interrupted: ['retry', 'skip', 'restore', 'abort'],
  // Before the install: starting services again returns the server to how it was.
  'open-shells': ['wait', 'proceed', 'restore', 'abort'],
  reboot: ['reboot', 'proceed', 'abort'],
  'second-admin': ['abort'],
};

export function allowedActions(kind: GateKind): readonly DecisionAction[] {
  return ALLOWED[kind];
}
