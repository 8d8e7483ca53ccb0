import { PRODUCTS } from '../../commands/products.js';
import { data, moduleProblem, out, ranSuccessfully, type Responder } from '../answer.js';
import { servicesOf } from '../scenario.js';

/** open-shell / reopen-shell: the module loads in this fresh process. */
export const openShell: Responder = (ctx) => {
  const noModule = moduleProblem(ctx);
  if (noModule) return noModule;
  const s = ctx.scenario;
  const version = ranSuccessfully(ctx, 'install-update') ? s.versionAfter : s.versionBefore;
  return { lines: [data({ module: PRODUCTS[s.product].module, moduleVersion: version, processId: ctx.pid })], exitCode: 0 };
};

/** stop-services / stop-services-again: each Cs service stopping, then their states. */
export const stopServices: Responder = (ctx) => {
  const noModule = moduleProblem(ctx);
  if (noModule) return noModule;
  const names = servicesOf(ctx.scenario);
  return {
    lines: [...names.map((n) => out(`Stopping ${n}...`)), data({ services: names.map((name) => ({ name, status: 'Stopped' })) })],
    exitCode: 0,
  };
};

export const startServices: Responder = (ctx) => {
  const noModule = moduleProblem(ctx);
  if (noModule) return noModule;
  return { lines: servicesOf(ctx.scenario).map((n) => out(`Starting ${n}...`)), exitCode: 0 };
};

const W3SVC = 'The World Wide Web Publishing Service service';

/** net stop w3svc as net.exe words it; a dedicated SQL back end has no IIS. */
export const stopW3svc: Responder = (ctx) => {
  if (!ctx.scenario.csComponents) return { lines: [out('W3SVC is not installed here; nothing to stop')], exitCode: 0 };
  return { lines: [out(`${W3SVC} is stopping.`), out(`${W3SVC} was stopped successfully.`)], exitCode: 0 };
};

export const startW3svc: Responder = (ctx) => {
  if (!ctx.scenario.csComponents) return { lines: [out('W3SVC is not installed here; nothing to start')], exitCode: 0 };
  return { lines: [out(`${W3SVC} is starting.`), out(`${W3SVC} was started successfully.`)], exitCode: 0 };
};
