import { CspatchError, ErrorCode } from '../core/errors.js';
import type { StepDefinition } from './step-definition.js';
import { updateDatabasesStep } from './steps/database.js';
import { detectFactsStep } from './steps/detect.js';
import { installUpdateStep, rebootStep } from './steps/install.js';
import { checkAdminRole, checkPackage, checkPendingReboot, checkShells } from './steps/prechecks.js';
import {
  openShellStep,
  reopenShellStep,
  startServicesStep,
  startW3svcStep,
  stopServicesAgainStep,
  stopServicesStep,
  stopW3svcStep,
} from './steps/services.js';
import { verifyStep } from './steps/verify.js';

/** Every step a runner will ever run. A job naming anything else is refused. */
export const CATALOG = {
  'detect-facts': detectFactsStep,
  'check-admin-role': checkAdminRole,
  'check-package': checkPackage,
  'check-pending-reboot': checkPendingReboot,
  'open-shell': openShellStep,
  'stop-services': stopServicesStep,
  'stop-w3svc': stopW3svcStep,
  'check-shells': checkShells,
  'install-update': installUpdateStep,
  reboot: rebootStep,
  'reopen-shell': reopenShellStep,
  'stop-services-again': stopServicesAgainStep,
  'start-w3svc': startW3svcStep,
  'update-databases': updateDatabasesStep,
  'start-services': startServicesStep,
  verify: verifyStep,
} as const satisfies Record<string, StepDefinition>;

export type StepId = keyof typeof CATALOG;
export const STEP_IDS = Object.keys(CATALOG) as StepId[];

export function isStepId(id: unknown): id is StepId {
  return typeof id === 'string' && Object.prototype.hasOwnProperty.call(CATALOG, id);
}

export function getStep(id: unknown): StepDefinition {
  if (!isStepId(id)) {
    throw new CspatchError(ErrorCode.UnknownStep, `"${String(id).slice(0, 60)}" is not a step in the catalog`, { stepId: id });
  }
  return CATALOG[id] as StepDefinition;
}
