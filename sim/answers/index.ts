import type { StepId } from '../../commands/catalog.js';
import type { Responder } from '../answer.js';
import { updateDatabases } from './database.js';
import { detectFacts } from './detect.js';
import { installUpdate, reboot } from './install.js';
import { checkAdminRole, checkPackage, checkPendingReboot, checkShells } from './prechecks.js';
import { openShell, startServices, startW3svc, stopServices, stopW3svc } from './services.js';
import { verify } from './verify.js';

/** How the simulated server answers each catalog step; `satisfies` keeps it complete. */
export const RESPONDERS = {
  'detect-facts': detectFacts,
  'check-admin-role': checkAdminRole,
  'check-package': checkPackage,
  'check-pending-reboot': checkPendingReboot,
  'open-shell': openShell,
  'stop-services': stopServices,
  'stop-w3svc': stopW3svc,
  'check-shells': checkShells,
  'install-update': installUpdate,
  reboot,
  'reopen-shell': openShell,
  'stop-services-again': stopServices,
  'start-w3svc': startW3svc,
  'update-databases': updateDatabases,
  'start-services': startServices,
  verify,
} as const satisfies Record<StepId, Responder>;
