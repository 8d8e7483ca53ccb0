/**
 * A loopback fake of the Slack Web API, so tests fake Slack only at its HTTP boundary.
 *
 * The bot gets `SLACK_API_URL=${fake.url}` (handed to the Web API client as `slackApiUrl`), talks
 * to it with its real client, and the test asserts on `fake.calls` and the stored messages.
 *
 * @example
 *   const fake = await startFakeSlack();
 *   // ...start the bot with slackApiUrl: fake.url, send it a signed slash command...
 *   const post = await fake.waitForCall('chat.postMessage', (c) => c.channel === 'C1');
 *   expect(blocksText(fake.messages('C1')[0]?.blocks)).toContain('Patch plan');
 *   await fake.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedCall {
  /** Web API method (`chat.postMessage`), or `response_url` for a POST to a `responseUrl()`. */
  method: string;
  /** Arguments as sent; form values stay strings, except blocks/attachments/view/metadata, decoded. */
  body: Record<string, unknown>;
  /** `Date.now()` when the request arrived. */
  at: number;
  channel?: string;
  /** Token from `Authorization: Bearer <token>` (or a `token` argument); undefined if none came. */
  token?: string;
  /** The fault injected into this call by `failNext`, if any. */
  fault?: Fault;
  /** The JSON the fake answered; undefined while hanging and for injected HTTP errors. */
  response?: Record<string, unknown>;
}

export type Fault =
  | { status: 429; retryAfter: number }
  | { status: 500 | 502 | 503 | 504 }
  | { hang: true }
  | { error: string };

export interface UserSpec {
  name?: string;
  realName?: string;
  /** IETF tag as Slack reports it, e.g. `de-DE`. Only returned when `include_locale=true` is sent. */
  locale?: string;
  /** IANA zone, e.g. `Europe/Berlin`; `tz_offset` and `tz_label` are derived from it. */
  tz?: string;
  email?: string;
  isBot?: boolean;
  deleted?: boolean;
}

export interface ChannelSpec {
  name?: string;
  isPrivate?: boolean;
  /** For a DM: the other member. IDs starting with `D` are treated as DMs anyway. */
  user?: string;
}

export interface FakeSlackOptions {
  /** When set, any other token is answered with `invalid_auth`; otherwise any `xox…` token passes. */
  token?: string;
  teamId?: string;
  teamDomain?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  users?: Record<string, UserSpec>;
  /** Usergroup id → member user ids. */
  groups?: Record<string, string[]>;
  channels?: Record<string, ChannelSpec>;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown;
  attachments?: unknown;
  metadata?: unknown;
  thread_ts?: string;
  user: string;
  bot_id: string;
  /** Present once the message was changed by `chat.update`. */
  edited?: { user: string; ts: string };
  /** How many `chat.update` calls changed it. */
  updates: number;
}

export interface StoredEphemeral {
  channel: string;
  user: string;
  message_ts: string;
  text?: string;
  blocks?: unknown;
}

export interface StoredView {
  id: string;
  hash: string;
  /** The view as last opened or updated (callback_id, private_metadata, blocks, ...). */
  view: Record<string, unknown>;
  /** `views.open` calls 1, each `views.update` adds 1. */
  version: number;
}

export interface FakeSlack {
  /** Base URL for `slackApiUrl`, with the trailing slash web-api expects. */
  url: string;
  /** Every request in arrival order, faulted ones included. */
  calls: RecordedCall[];
  /** Current state of the channel's messages (edits applied), oldest first. */
  messages(channel: string): StoredMessage[];
  ephemerals(channel?: string): StoredEphemeral[];
  views(): StoredView[];
  setUser(id: string, spec: UserSpec): void;
  setGroup(id: string, userIds: string[]): void;
  setChannel(id: string, spec: ChannelSpec): void;
  /** A fresh `response_url` on this fake; POSTs to it are recorded as method `response_url`. */
  responseUrl(): string;
  /** Apply `fault` to the next `times` calls of `method`, before any other handling. */
  failNext(method: string, fault: Fault, times?: number): void;
  /** Resolves once `predicate(calls)` holds (checked now and after each request is answered). */
  waitFor(predicate: (calls: readonly RecordedCall[]) => boolean, timeoutMs?: number): Promise<void>;
  /** The first call of `method` that matches `predicate`, waiting for it if needed. */
  waitForCall(
    method: string,
    predicate?: (call: RecordedCall, index: number) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedCall>;
  /** Max chat.postMessage + chat.update calls to a single channel within any 1-second window. */
  callsPerSecondByChannel(): number;
  /** One line per call, for failure messages. */
  describeCalls(): string;
  /** Ends hanging requests, closes every socket and the server. Idempotent. */
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
type Handler = (body: Json, token: string) => Json;

/** Arguments web-api JSON-encodes inside a form body (it stringifies every non-primitive value). */
const JSON_FIELDS = ['blocks', 'attachments', 'view', 'metadata'];
const CHAT_WRITES = new Set(['chat.postMessage', 'chat.update']);
/** Slack-like ts: seconds from here, then microseconds from a per-fake counter (unique, increasing). */
const TS_EPOCH = 1_700_000_000;

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const team = { id: opts.teamId ?? 'T024BE7LD', domain: opts.teamDomain ?? 'contoso-uc' };
  const bot = { userId: opts.botUserId ?? 'U07BOT0CSP', botId: opts.botId ?? 'B07BOT0CSP', appId: opts.appId ?? 'A07QK8Z2M4N' };
  const calls: RecordedCall[] = [];
  const messages = new Map<string, StoredMessage[]>();
  const ephemerals: StoredEphemeral[] = [];
  const views = new Map<string, StoredView>();
  const users = new Map<string, UserSpec>(Object.entries(opts.users ?? {}));
  const groups = new Map<string, string[]>(Object.entries(opts.groups ?? {}));
  const channels = new Map<string, ChannelSpec>(Object.entries(opts.channels ?? {}));
  const usedTriggers = new Set<string>();
  const faults = new Map<string, Fault[]>();
  const waiters = new Set<{ check: () => void; fail: (err: Error) => void }>();
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  let seq = 0;
  let closed = false;

  const nextTs = (): string => {
    seq += 1;
    const micros = seq * 100;
    return `${TS_EPOCH + Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  };
  const nextId = (prefix: string): string => `${prefix}0${String(++seq).padStart(9, '0')}`;
  const fail = (error: string, extra: Json = {}): Json => ({ ok: false, error, ...extra });

  const findMessage = (channel: string, ts: string): StoredMessage | undefined =>
    messages.get(channel)?.find((m) => m.ts === ts);

  const handlers: Record<string, Handler> = {
    'auth.test': () => ({
      ok: true,
      url: `https://${team.domain}.slack.com/`,
      team: team.domain,
      user: 'cspatch',
      team_id: team.id,
      user_id: bot.userId,
      bot_id: bot.botId,
      is_enterprise_install: false,
    }),

    'chat.postMessage': (body) => {
      const channel = str(body.channel);
      if (!channel) return fail('channel_not_found');
      if (body.blocks !== undefined && !Array.isArray(body.blocks)) return fail('invalid_blocks');
      if (!str(body.text) && body.blocks === undefined && body.attachments === undefined) return fail('no_text');
      const msg: StoredMessage = {
        channel,
        ts: nextTs(),
        text: str(body.text),
        blocks: body.blocks,
        attachments: body.attachments,
        metadata: body.metadata,
        thread_ts: str(body.thread_ts),
        user: bot.userId,
        bot_id: bot.botId,
        updates: 0,
      };
      const list = messages.get(channel) ?? [];
      list.push(msg);
      messages.set(channel, list);
      return { ok: true, channel, ts: msg.ts, message: wireMessage(msg) };
    },

    'chat.update': (body) => {
      const channel = str(body.channel);
      const ts = str(body.ts);
      if (!channel) return fail('channel_not_found');
      if (body.blocks !== undefined && !Array.isArray(body.blocks)) return fail('invalid_blocks');
      const msg = ts ? findMessage(channel, ts) : undefined;
      if (!msg) return fail('message_not_found');
      if (body.text !== undefined) msg.text = str(body.text);
      if (body.blocks !== undefined) msg.blocks = body.blocks;
      if (body.attachments !== undefined) msg.attachments = body.attachments;
      if (body.metadata !== undefined) msg.metadata = body.metadata;
      msg.updates += 1;
      msg.edited = { user: bot.userId, ts: nextTs() };
      return { ok: true, channel, ts: msg.ts, text: msg.text ?? '', message: wireMessage(msg) };
    },

    'chat.postEphemeral': (body) => {
      const channel = str(body.channel);
      const user = str(body.user);
      if (!channel) return fail('channel_not_found');
      if (!user) return fail('user_not_found');
      if (!str(body.text) && body.blocks === undefined && body.attachments === undefined) return fail('no_text');
      const eph: StoredEphemeral = { channel, user, message_ts: nextTs(), text: str(body.text), blocks: body.blocks };
      ephemerals.push(eph);
      return { ok: true, message_ts: eph.message_ts };
    },

    'views.open': (body) => {
      const trigger = str(body.trigger_id);
      if (!trigger || !isRecord(body.view)) return fail('invalid_arguments');
      // A trigger_id opens one view only; a second use is a bug Slack reports this way.
      if (usedTriggers.has(trigger)) return fail('trigger_exchanged');
      usedTriggers.add(trigger);
      const stored: StoredView = { id: nextId('V'), hash: `${TS_EPOCH}.${++seq}`, view: body.view, version: 1 };
      views.set(stored.id, stored);
      return { ok: true, view: wireView(stored) };
    },

    'views.update': (body) => {
      if (!isRecord(body.view)) return fail('invalid_arguments');
      const viewId = str(body.view_id);
      const externalId = str(body.external_id);
      const stored = [...views.values()].find((v) =>
        viewId ? v.id === viewId : externalId !== undefined && v.view.external_id === externalId,
      );
      if (!stored) return fail('not_found');
      const hash = str(body.hash);
      if (hash !== undefined && hash !== stored.hash) return fail('hash_conflict');
      stored.view = body.view;
      stored.hash = `${TS_EPOCH}.${++seq}`;
      stored.version += 1;
      return { ok: true, view: wireView(stored) };
    },

    'users.info': (body) => {
      const id = str(body.user);
      const spec = id ? users.get(id) : undefined;
      if (!id || !spec) return fail('user_not_found');
      return { ok: true, user: wireUser(id, spec, team.id, body.include_locale === 'true' || body.include_locale === true) };
    },

    'usergroups.users.list': (body) => {
      const members = groups.get(str(body.usergroup) ?? '');
      return members ? { ok: true, users: [...members] } : fail('no_such_subteam');
    },

    'conversations.info': (body) => {
      const id = str(body.channel);
      const spec = id ? channels.get(id) : undefined;
      if (!id || !spec) return fail('channel_not_found');
      const isIm = id.startsWith('D') || spec.user !== undefined;
      return {
        ok: true,
        channel: {
          id,
          name: isIm ? undefined : (spec.name ?? id.toLowerCase()),
          is_channel: !isIm && !spec.isPrivate,
          is_group: false,
          is_im: isIm,
          is_mpim: false,
          is_private: isIm || Boolean(spec.isPrivate),
          is_archived: false,
          is_general: false,
          is_member: true,
          created: TS_EPOCH - 86_400,
          creator: isIm ? undefined : bot.userId,
          user: isIm ? spec.user : undefined,
          context_team_id: team.id,
        },
      };
    },
  };

  const wireMessage = (m: StoredMessage): Json => ({
    type: 'message',
    subtype: 'bot_message',
    text: m.text ?? '',
    user: m.user,
    bot_id: m.bot_id,
    app_id: bot.appId,
    team: team.id,
    ts: m.ts,
    blocks: m.blocks,
    attachments: m.attachments,
    thread_ts: m.thread_ts,
    edited: m.edited,
  });

  const wireView = (v: StoredView): Json => ({
    id: v.id,
    team_id: team.id,
    type: 'modal',
    private_metadata: '',
    callback_id: '',
    external_id: '',
    ...v.view,
    state: { values: {} },
    hash: v.hash,
    clear_on_close: false,
    notify_on_close: false,
    previous_view_id: null,
    root_view_id: v.id,
    app_id: bot.appId,
    app_installed_team_id: team.id,
    bot_id: bot.botId,
  });

  const notify = (): void => {
    for (const w of [...waiters]) w.check();
  };

  const describeCalls = (): string => {
    if (calls.length === 0) return '  (no calls)';
    const t0 = calls[0]?.at ?? 0;
    return calls.map((c, i) => `  ${i + 1}. +${c.at - t0}ms ${describeCall(c)}`).join('\n');
  };

  const answer = (res: ServerResponse, status: number, json: Json, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(json));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const at = Date.now();

    if (req.method === 'POST' && url.pathname.startsWith('/hooks/')) {
      const call: RecordedCall = { method: 'response_url', body: parseBody(raw, req.headers['content-type'], url), at };
      calls.push(call);
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('ok');
      notify();
      return;
    }
    const match = /^\/api\/([A-Za-z0-9_.]+)$/.exec(url.pathname);
    if (!match?.[1]) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }

    const method = match[1];
    const body = parseBody(raw, req.headers['content-type'], url);
    const token = bearer(req.headers.authorization) ?? str(body.token);
    const call: RecordedCall = { method, body, at, channel: str(body.channel), token };
    calls.push(call);

    const fault = faults.get(method)?.shift();
    if (fault) {
      call.fault = fault;
      if ('hang' in fault) {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
      } else if ('error' in fault) {
        call.response = fail(fault.error);
        answer(res, 200, call.response);
      } else if (fault.status === 429) {
        call.response = fail('ratelimited');
        answer(res, 429, call.response, { 'retry-after': String(fault.retryAfter) });
      } else {
        res.writeHead(fault.status, { 'content-type': 'text/html' });
        res.end(`<html><body>${fault.status} injected by the fake</body></html>`);
      }
      notify();
      return;
    }

    const handler = handlers[method];
    if (!handler) call.response = fail('unknown_method', { req_method: method });
    else if (!token) call.response = fail('not_authed');
    else if (opts.token ? token !== opts.token : !token.startsWith('xox')) call.response = fail('invalid_auth');
    else call.response = handler(body, token);
    answer(res, 200, call.response);
    notify();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A bug in the fake itself: surface it to the client instead of hanging the test.
      if (!res.headersSent) answer(res, 500, fail('fake_internal_error', { detail: String(err) }));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  const waitFor = (predicate: (calls: readonly RecordedCall[]) => boolean, timeoutMs = 15_000): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const waiter = {
        check: (): void => {
          let done: boolean;
          try {
            done = predicate(calls);
          } catch (err) {
            finish();
            reject(err instanceof Error ? err : new Error(String(err)));
            return;
          }
          if (done) {
            finish();
            resolve();
          }
        },
        fail: (err: Error): void => {
          finish();
          reject(err);
        },
      };
      const timer = setTimeout(
        () => waiter.fail(new Error(`fake Slack: condition not met within ${timeoutMs} ms; ${calls.length} calls so far:\n${describeCalls()}`)),
        timeoutMs,
      );
      const finish = (): void => {
        clearTimeout(timer);
        waiters.delete(waiter);
      };
      if (closed) return waiter.fail(new Error('fake Slack is closed'));
      waiters.add(waiter);
      waiter.check();
    });

  return {
    url: `${base}/api/`,
    calls,
    messages: (channel) => (messages.get(channel) ?? []).map((m) => structuredClone(m)),
    ephemerals: (channel) => ephemerals.filter((e) => channel === undefined || e.channel === channel).map((e) => structuredClone(e)),
    views: () => [...views.values()].map((v) => structuredClone(v)),
    setUser: (id, spec) => {
      if (spec.tz) tzOffsetSeconds(spec.tz); // throws RangeError now for a zone Intl does not know
      users.set(id, { ...users.get(id), ...spec });
    },
    setGroup: (id, userIds) => void groups.set(id, [...userIds]),
    setChannel: (id, spec) => void channels.set(id, { ...channels.get(id), ...spec }),
    responseUrl: () => `${base}/hooks/actions/${team.id}/${++seq}/${Math.random().toString(36).slice(2, 14)}`,
    failNext: (method, fault, times = 1) => {
      const queue = faults.get(method) ?? [];
      for (let i = 0; i < times; i++) queue.push(fault);
      faults.set(method, queue);
    },
    waitFor,
    waitForCall: async (method, predicate, timeoutMs) => {
      const find = (): RecordedCall | undefined =>
        calls.find((c, i) => c.method === method && (predicate === undefined || predicate(c, i)));
      await waitFor(() => find() !== undefined, timeoutMs);
      const hit = find();
      if (!hit) throw new Error(`fake Slack: ${method} call vanished`); // calls only grow; unreachable
      return hit;
    },
    callsPerSecondByChannel: () => peakChatRate(calls),
    describeCalls,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const w of [...waiters]) w.fail(new Error(`fake Slack closed while a waitFor was pending; calls:\n${describeCalls()}`));
      for (const res of hanging) res.destroy();
      hanging.clear();
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Highest number of chat.postMessage + chat.update calls to one channel inside any window of
 * `windowMs` (Slack allows about one message write per second per channel).
 * @example peakChatRate(fake.calls) // 1 for a bot that paces its edits
 */
export function peakChatRate(calls: readonly RecordedCall[], windowMs = 1000): number {
  const byChannel = new Map<string, number[]>();
  for (const c of calls) {
    if (!CHAT_WRITES.has(c.method) || c.channel === undefined) continue;
    const list = byChannel.get(c.channel) ?? [];
    list.push(c.at);
    byChannel.set(c.channel, list);
  }
  let peak = 0;
  for (const times of byChannel.values()) {
    times.sort((a, b) => a - b);
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while ((times[end] ?? 0) - (times[start] ?? 0) >= windowMs) start++;
      peak = Math.max(peak, end - start + 1);
    }
  }
  return peak;
}

export interface ButtonInfo {
  actionId: string;
  value?: string;
  text: string;
  style?: string;
  blockId?: string;
  url?: string;
}

/**
 * Flattens Block Kit into readable lines: headers, section text/fields/accessories, context,
 * rich_text, inputs, and actions (button as `[Text] (value)`). Accepts a block array, or a
 * message or view object carrying `blocks` (and message `attachments[].blocks`).
 * @example blocksText(fake.messages('C1')[0]?.blocks) // "Patch plan\n[Approve] (plan:1) [Cancel] (plan:1)"
 */
export function blocksText(blocks: unknown): string {
  return blockList(blocks).flatMap(blockLines).join('\n');
}

/** Every button in actions blocks and section accessories, in display order. */
export function buttons(blocks: unknown): ButtonInfo[] {
  const out: ButtonInfo[] = [];
  for (const block of blockList(blocks)) {
    const blockId = str(block.block_id);
    const elements = block.type === 'actions' ? records(block.elements) : isRecord(block.accessory) ? [block.accessory] : [];
    for (const el of elements) {
      if (el.type !== 'button') continue;
      out.push({ actionId: str(el.action_id) ?? '', value: str(el.value), text: textOf(el.text), style: str(el.style), blockId, url: str(el.url) });
    }
  }
  return out;
}

function blockList(input: unknown): Json[] {
  if (typeof input === 'string') {
    try {
      return blockList(JSON.parse(input));
    } catch {
      return [];
    }
  }
  if (Array.isArray(input)) return records(input);
  if (!isRecord(input)) return [];
  const fromAttachments = records(input.attachments).flatMap((a) => records(a.blocks));
  return [...records(input.blocks), ...fromAttachments];
}

function blockLines(block: Json): string[] {
  switch (block.type) {
    case 'header':
    case 'markdown':
      return nonEmpty([textOf(block.text)]);
    case 'section':
      return nonEmpty([
        textOf(block.text),
        ...records(block.fields).map(textOf),
        isRecord(block.accessory) ? elementText(block.accessory) : '',
      ]);
    case 'context':
      return nonEmpty([records(block.elements).map((e) => textOf(e) || str(e.alt_text) || '').filter(Boolean).join(' ')]);
    case 'actions':
      return nonEmpty([records(block.elements).map(elementText).filter(Boolean).join(' ')]);
    case 'rich_text':
      return records(block.elements).flatMap(richTextLines);
    case 'input':
      return nonEmpty([textOf(block.label), isRecord(block.element) ? elementText(block.element) : '']);
    case 'image':
      return nonEmpty([textOf(block.title) || (str(block.alt_text) ?? '')]);
    case 'divider':
      return ['---'];
    default:
      return nonEmpty([textOf(block.text)]);
  }
}

function elementText(el: Json): string {
  switch (el.type) {
    case 'button': {
      const value = str(el.value);
      return `[${textOf(el.text)}]${value === undefined ? '' : ` (${value})`}`;
    }
    case 'image':
      return str(el.alt_text) ?? '';
    case 'overflow':
    case 'static_select':
    case 'multi_static_select':
    case 'radio_buttons':
    case 'checkboxes': {
      const options = records(el.options).map((o) => textOf(o.text));
      const label = textOf(el.placeholder) || String(el.type);
      return `<${label}${options.length ? `: ${options.join(' | ')}` : ''}>`;
    }
    default:
      return textOf(el.placeholder) ? `<${textOf(el.placeholder)}>` : '';
  }
}

function richTextLines(el: Json): string[] {
  const inline = (section: Json): string => records(section.elements).map(richInline).join('');
  switch (el.type) {
    case 'rich_text_list': {
      const indent = '  '.repeat(typeof el.indent === 'number' ? el.indent : 0);
      const ordered = el.style === 'ordered';
      return records(el.elements).map((item, i) => `${indent}${ordered ? `${i + 1}.` : '-'} ${inline(item)}`);
    }
    case 'rich_text_quote':
      return [`> ${inline(el)}`];
    default: // rich_text_section, rich_text_preformatted
      return nonEmpty([inline(el)]);
  }
}

function richInline(el: Json): string {
  switch (el.type) {
    case 'text':
      return str(el.text) ?? '';
    case 'link':
      return str(el.text) ?? str(el.url) ?? '';
    case 'user':
      return `<@${str(el.user_id) ?? ''}>`;
    case 'usergroup':
      return `<!subteam^${str(el.usergroup_id) ?? ''}>`;
    case 'channel':
      return `<#${str(el.channel_id) ?? ''}>`;
    case 'emoji':
      return `:${str(el.name) ?? ''}:`;
    case 'broadcast':
      return `@${str(el.range) ?? ''}`;
    case 'date':
      return str(el.fallback) ?? String(el.timestamp ?? '');
    default:
      return str(el.text) ?? '';
  }
}

function wireUser(id: string, spec: UserSpec, teamId: string, includeLocale: boolean): Json {
  const tz = spec.tz ?? 'America/New_York';
  const name = spec.name ?? id.toLowerCase();
  const realName = spec.realName ?? name;
  return {
    id,
    team_id: teamId,
    name,
    deleted: Boolean(spec.deleted),
    real_name: realName,
    tz,
    tz_label: tzLabel(tz),
    tz_offset: tzOffsetSeconds(tz),
    is_admin: false,
    is_owner: false,
    is_bot: Boolean(spec.isBot),
    is_app_user: false,
    updated: TS_EPOCH,
    // Slack leaves `locale` out unless the caller asks with include_locale=true.
    ...(includeLocale ? { locale: spec.locale ?? 'en-US' } : {}),
    profile: { real_name: realName, display_name: name, email: spec.email, team: teamId },
  };
}

function tzOffsetSeconds(tz: string): number {
  const part = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' })
    .formatToParts(new Date())
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(part ?? '');
  if (!m) return 0; // plain "GMT"
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3]) * 60);
}

function tzLabel(tz: string): string {
  return (
    new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'long' })
      .formatToParts(new Date())
      .find((p) => p.type === 'timeZoneName')?.value ?? tz
  );
}

function parseBody(raw: string, contentType: string | undefined, url: URL): Json {
  const out: Json = Object.fromEntries(url.searchParams);
  if (raw === '') return out;
  if (contentType?.includes('application/json')) {
    const parsed: unknown = JSON.parse(raw);
    return isRecord(parsed) ? { ...out, ...parsed } : out;
  }
  for (const [key, value] of new URLSearchParams(raw)) out[key] = value;
  for (const key of JSON_FIELDS) {
    const value = out[key];
    if (typeof value !== 'string') continue;
    try {
      out[key] = JSON.parse(value);
    } catch {
      // Left as the string it was; the handler answers invalid_blocks as Slack would.
    }
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m?.[1];
}

function describeCall(c: RecordedCall): string {
  const parts = [c.method];
  if (c.channel) parts.push(c.channel);
  if (c.fault) parts.push(`fault=${JSON.stringify(c.fault)}`);
  else if (c.response) parts.push(c.response.ok === true ? 'ok' : `error=${String(c.response.error)}`);
  else parts.push('(no answer)');
  const text = str(c.body.text);
  if (text) parts.push(`text=${JSON.stringify(clip(text))}`);
  if (c.body.blocks !== undefined) parts.push(`blocks=${JSON.stringify(clip(blocksText(c.body.blocks).replace(/\n/g, ' / ')))}`);
  return parts.join(' ');
}

function clip(s: string, max = 120): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value.text === 'string') return value.text;
  return '';
}

function nonEmpty(lines: string[]): string[] {
  return lines.filter((l) => l !== '');
}

function records(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
