/**
 * Reads the fake Slack's call log incrementally and keeps what the run drivers wait for: each
 * server's thread parent as it now looks, which modals were opened, which threads got a summary.
 * One pass over the new calls per poll, so 200 waiting drivers cost map lookups, not rescans.
 */
import { blocksText, buttons, type ButtonInfo, type FakeSlack } from '../test/helpers/fake-slack.js';

interface Parent {
  readonly channel: string;
  readonly ts: string;
  blocks: unknown;
}

export interface SlackIndex {
  parent(server: string): Parent | undefined;
  /** the parent's button with this action id, while it is shown */
  button(server: string, actionId: string): ButtonInfo | undefined;
  viewOpened(runId: string): boolean;
  summarized(server: string): boolean;
  /** resolves with `check()`'s first defined value; checked after each poll */
  until<T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T>;
  stop(): void;
}

const HEADER = /^Patch (\S+)/;

export function indexSlack(fake: FakeSlack, pollMs = 20): SlackIndex {
  const parents = new Map<string, Parent>();
  const byTs = new Map<string, string>();
  const views = new Set<string>();
  const summaries = new Set<string>();
  /** each waiter's check, with how to fail it when the index stops */
  const waiters = new Map<() => void, (err: Error) => void>();
  let seen = 0;

  const ingest = () => {
    for (; seen < fake.calls.length; seen++) {
      const c = fake.calls[seen];
      if (!c || c.response?.ok !== true) continue;
      const channel = typeof c.body.channel === 'string' ? c.body.channel : '';
      if (c.method === 'chat.postMessage') {
        const ts = String(c.response.ts);
        const thread = typeof c.body.thread_ts === 'string' ? c.body.thread_ts : null;
        const text = blocksText(c.body.blocks);
        if (thread) {
          const server = byTs.get(`${channel}|${thread}`);
          if (server && text.includes(`Summary for ${server}`)) summaries.add(server);
          continue;
        }
        const server = HEADER.exec(text)?.[1];
        if (!server) continue;
        parents.set(server, { channel, ts, blocks: c.body.blocks });
        byTs.set(`${channel}|${ts}`, server);
      } else if (c.method === 'chat.update') {
        const server = byTs.get(`${channel}|${String(c.body.ts)}`);
        const p = server ? parents.get(server) : undefined;
        if (p && c.body.blocks !== undefined) p.blocks = c.body.blocks;
      } else if (c.method === 'views.open') {
        const view = c.body.view as { private_metadata?: unknown } | undefined;
        if (typeof view?.private_metadata === 'string') views.add(view.private_metadata);
      }
    }
    for (const w of [...waiters.keys()]) w();
  };
  const timer = setInterval(ingest, pollMs);

  return {
    parent: (server) => parents.get(server),
    button: (server, actionId) => {
      const p = parents.get(server);
      return p ? buttons(p.blocks).find((b) => b.actionId === actionId) : undefined;
    },
    viewOpened: (runId) => views.has(runId),
    summarized: (server) => summaries.has(server),
    until: (check, what, timeoutMs) =>
      new Promise((resolve, reject) => {
        const waiter = () => {
          const value = check();
          if (value === undefined) return;
          done();
          resolve(value);
        };
        const expire = setTimeout(() => {
          done();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(expire);
          waiters.delete(waiter);
        };
        waiters.set(waiter, (err) => {
          done();
          reject(err);
        });
      }),
    stop: () => {
      clearInterval(timer);
      for (const fail of [...waiters.values()]) fail(new Error('the Slack index was stopped'));
    },
  };
}
