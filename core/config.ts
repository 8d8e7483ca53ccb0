import { z } from 'zod';
import { DEFAULT_TIMEOUTS_S, type StepKind } from '../commands/step-definition.js';
import { fqdnSchema } from '../commands/schemas.js';
import { CspatchError, ErrorCode } from './errors.js';

/**
 * The only module that reads environment variables. Each process calls one loader once, at
 * start, and passes the frozen result down. A bad value names the variable and how to fix it.
 */
type Env = Record<string, string | undefined>;

const seconds = (name: string, def: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def * 1000;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a positive number of seconds, e.g. ${def}` });
        return z.NEVER;
      }
      return Math.round(n * 1000);
    });

const bool = (name: string, def: boolean) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      if (/^(1|true|yes|on)$/i.test(v)) return true;
      if (/^(0|false|no|off)$/i.test(v)) return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false` });
      return z.NEVER;
    });

const list = (pattern: RegExp, what: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const items = (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      const bad = items.filter((i) => !pattern.test(i));
      if (bad.length) ctx.addIssue({ code: 'custom', message: `${bad.join(', ')} ${bad.length > 1 ? 'are' : 'is'} not ${what}` });
      return items;
    });

// An empty variable (PORT= in a compose file) means unset: coerced, it would become 0 and silently
// listen on a random port or drop the free-space check.
const unsetIfEmpty = (v: unknown) => (v === '' ? undefined : v);

const shared = {
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'REDIS_URL must start with redis:// or rediss://').default('redis://127.0.0.1:6379'),
  CSPATCH_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'CSPATCH_PREFIX may use letters, digits, _ . - (at most 40)').default('cspatch'),
  CSPATCH_RUNNER_SECRET: z.string({ error: 'CSPATCH_RUNNER_SECRET is required: the secret that signs jobs and results' }).min(16, 'CSPATCH_RUNNER_SECRET must be at least 16 characters'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

const botSchema = z.object({
  ...shared,
  SLACK_BOT_TOKEN: z.string({ error: 'SLACK_BOT_TOKEN is required (xoxb-…, from the app\'s OAuth page)' }).min(1),
  SLACK_SIGNING_SECRET: z.string({ error: 'SLACK_SIGNING_SECRET is required (from the app\'s Basic Information page)' }).min(1),
  SLACK_APP_TOKEN: z.string().regex(/^xapp-/, 'SLACK_APP_TOKEN must be an app-level token starting with xapp-').optional(),
  SLACK_API_URL: z.string().url('SLACK_API_URL must be a URL ending in /api/').optional(),
  PORT: z.preprocess(unsetIfEmpty, z.coerce.number({ error: 'PORT must be a port number' }).int().min(0).max(65535).default(3000)),
  CSPATCH_ADMINS: list(/^[UW][A-Z0-9]{2,20}$/, 'a Slack user id (U…)'),
  CSPATCH_ADMIN_GROUP: z.string().regex(/^S[A-Z0-9]{2,20}$/, 'CSPATCH_ADMIN_GROUP must be a user group id (S…)').optional(),
  // How long the group's member list is trusted before Slack is asked again.
  CSPATCH_ADMIN_GROUP_TTL: seconds('CSPATCH_ADMIN_GROUP_TTL', 60),
  CSPATCH_CHANNELS: list(/^[CG][A-Z0-9]{2,20}$/, 'a Slack channel id (C…)'),
  CSPATCH_APPROVAL_TTL: seconds('CSPATCH_APPROVAL_TTL', 1800),
  CSPATCH_RUNNER_LOST_AFTER: seconds('CSPATCH_RUNNER_LOST_AFTER', 90),
  CSPATCH_RESILIENCY_WARN: seconds('CSPATCH_RESILIENCY_WARN', 1500),
  CSPATCH_RESILIENCY_LIMIT: seconds('CSPATCH_RESILIENCY_LIMIT', 1800),
  CSPATCH_DETECT_TIMEOUT: seconds('CSPATCH_DETECT_TIMEOUT', 120),
  CSPATCH_PARENT_UPDATE_INTERVAL: seconds('CSPATCH_PARENT_UPDATE_INTERVAL', 3),
  CSPATCH_RETENTION: seconds('CSPATCH_RETENTION', 30 * 86400),
  // A Slack call that hangs longer than this counts as failed and goes back to the outbox.
  CSPATCH_SLACK_TIMEOUT: seconds('CSPATCH_SLACK_TIMEOUT', 10),
  // Slack accepts about one message a second per channel; bursts of a few are tolerated.
  CSPATCH_CHANNEL_RATE: z.preprocess(unsetIfEmpty, z.coerce.number({ error: 'CSPATCH_CHANNEL_RATE must be messages per second, e.g. 1' }).positive('CSPATCH_CHANNEL_RATE must be above 0, e.g. 1').max(1000).default(1)),
  CSPATCH_CHANNEL_BURST: z.preprocess(unsetIfEmpty, z.coerce.number({ error: 'CSPATCH_CHANNEL_BURST must be a whole number, e.g. 4' }).int().min(1).max(1000).default(4)),
  CSPATCH_EXTRA_STEPS: bool('CSPATCH_EXTRA_STEPS', true),
  CSPATCH_MIN_FREE_GB: z.preprocess(unsetIfEmpty, z.coerce.number().min(0).max(10000).default(2)),
  CSPATCH_BREAK_GLASS: bool('CSPATCH_BREAK_GLASS', false),
  CSPATCH_BOT_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'CSPATCH_BOT_ID may use letters, digits, _ . - (at most 64)').optional(),
  CSPATCH_LANG: z.enum(['en', 'de', 'zh-CN', 'es'], { error: 'CSPATCH_LANG must be en, de, zh-CN or es' }).default('en'),
});

const runnerSchema = z.object({
  ...shared,
  CSPATCH_POWERSHELL: z.string().min(1).default('powershell.exe'),
  CSPATCH_JOURNAL: z.string().min(1).optional(),
  CSPATCH_HEARTBEAT: seconds('CSPATCH_HEARTBEAT', 10),
  CSPATCH_STEP_TIMEOUTS: z.string().optional(),
  /**
   * The machine's boot time (ms since the epoch), used instead of the OS uptime where the machine
   * cannot really restart: a simulated server in tests and the demo. Unset on a real server.
   */
  CSPATCH_BOOT_TIME: z.preprocess(unsetIfEmpty, z.coerce.number({ error: 'CSPATCH_BOOT_TIME must be ms since the epoch, e.g. 1700000000000' }).int().positive().optional()),
});

/** `cspatch audit`: reads and checks the audit trail, so it needs Redis and nothing secret. */
const auditSchema = z.object({
  REDIS_URL: shared.REDIS_URL,
  CSPATCH_PREFIX: shared.CSPATCH_PREFIX,
  LOG_LEVEL: shared.LOG_LEVEL,
});

export type BotConfig = Readonly<z.infer<typeof botSchema>>;
export type AuditConfig = Readonly<z.infer<typeof auditSchema>>;
export type RunnerConfig = Readonly<
  Omit<z.infer<typeof runnerSchema>, 'CSPATCH_STEP_TIMEOUTS' | 'CSPATCH_JOURNAL'> & {
    server: string;
    journalPath: string;
    stepTimeoutsMs: Readonly<Record<StepKind, number>>;
  }
>;

function fail(error: z.ZodError): never {
  const lines = error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`);
  throw new CspatchError(ErrorCode.ConfigInvalid, `invalid configuration\n  ${lines.join('\n  ')}`);
}

export function loadBotConfig(env: Env): BotConfig {
  const parsed = botSchema.safeParse(env);
  if (!parsed.success) fail(parsed.error);
  const cfg = parsed.data;
  if (cfg.CSPATCH_ADMINS.length === 0 && !cfg.CSPATCH_ADMIN_GROUP) {
    throw new CspatchError(ErrorCode.ConfigInvalid, 'invalid configuration\n  set CSPATCH_ADMINS (Slack user ids, comma-separated) or CSPATCH_ADMIN_GROUP (a user group id): nobody could approve a patch otherwise');
  }
  if (cfg.CSPATCH_RESILIENCY_WARN >= cfg.CSPATCH_RESILIENCY_LIMIT) {
    throw new CspatchError(ErrorCode.ConfigInvalid, 'invalid configuration\n  CSPATCH_RESILIENCY_WARN must be shorter than CSPATCH_RESILIENCY_LIMIT');
  }
  return Object.freeze(cfg);
}

/**
 * For `cspatch audit export|verify`: only where the audit trail is (REDIS_URL, CSPATCH_PREFIX)
 * and LOG_LEVEL; no Slack token or signing secret is needed to read or check it.
 */
export function loadAuditConfig(env: Env): AuditConfig {
  const parsed = auditSchema.safeParse(env);
  if (!parsed.success) fail(parsed.error);
  return Object.freeze(parsed.data);
}

/** "install=7200,database=3600": seconds per step kind, overriding DEFAULT_TIMEOUTS_S. */
export function parseStepTimeouts(spec: string | undefined): Record<StepKind, number> {
  const out = Object.fromEntries(Object.entries(DEFAULT_TIMEOUTS_S).map(([k, v]) => [k, v * 1000])) as Record<StepKind, number>;
  for (const part of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([a-z]+)=(\d+(?:\.\d+)?)$/.exec(part);
    if (!m || !Object.hasOwn(out, m[1]!) || Number(m[2]) <= 0) {
      throw new CspatchError(ErrorCode.ConfigInvalid, `invalid configuration\n  CSPATCH_STEP_TIMEOUTS: "${part}" should look like install=7200 (kinds: ${Object.keys(out).join(', ')})`);
    }
    out[m[1] as StepKind] = Math.round(Number(m[2]) * 1000);
  }
  return out;
}

export function loadRunnerConfig(env: Env, server: string | undefined): RunnerConfig {
  const fqdn = fqdnSchema.safeParse(server ?? '');
  if (!fqdn.success) {
    throw new CspatchError(ErrorCode.ConfigInvalid, `invalid configuration\n  --server: ${fqdn.error.issues[0]?.message ?? 'required'}`);
  }
  const parsed = runnerSchema.safeParse(env);
  if (!parsed.success) fail(parsed.error);
  const { CSPATCH_STEP_TIMEOUTS, CSPATCH_JOURNAL, ...rest } = parsed.data;
  // On Windows the journal lives under ProgramData; elsewhere (tests, the demo) beside the process.
  const defaultJournal = env.ProgramData
    ? `${env.ProgramData}\\cspatch\\journal-${fqdn.data}.json`
    : `./.cspatch/journal-${fqdn.data}.json`;
  return Object.freeze({
    ...rest,
    server: fqdn.data,
    journalPath: CSPATCH_JOURNAL ?? defaultJournal,
    stepTimeoutsMs: Object.freeze(parseStepTimeouts(CSPATCH_STEP_TIMEOUTS)),
  });
}
