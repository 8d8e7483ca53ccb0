import { describe, it, expect } from '@jest/globals';
import { DEFAULT_TIMEOUTS_S } from '../../commands/step-definition.js';
import { loadBotConfig, loadRunnerConfig, parseStepTimeouts, type BotConfig } from '../../core/config.js';
import { CspatchError } from '../../core/errors.js';
import { caught } from '../helpers/plan-facts.js';

type Env = Record<string, string | undefined>;

const SECRET = 'a-runner-secret-of-32-characters';
const BOT_ENV: Env = {
  SLACK_BOT_TOKEN: 'xoxb-test',
  SLACK_SIGNING_SECRET: 'signing-secret',
  CSPATCH_RUNNER_SECRET: SECRET,
  CSPATCH_ADMINS: 'U01ADMIN',
};
const RUNNER_ENV: Env = { CSPATCH_RUNNER_SECRET: SECRET };


function botError(overrides: Env): CspatchError {
  return caught(() => loadBotConfig({ ...BOT_ENV, ...overrides }));
}

function runnerError(overrides: Env, server: string | undefined): CspatchError {
  return caught(() => loadRunnerConfig({ ...RUNNER_ENV, ...overrides }, server));
}

const MS_TIMEOUTS = {
  probe: 300_000,
  check: 300_000,
  shell: 300_000,
  service: 1_800_000,
  install: 7_200_000,
  reboot: 900_000,
  database: 5_400_000,
  verify: 900_000,
};

describe('loadBotConfig', () => {
  it('fills in every default', () => {
    const cfg: BotConfig = loadBotConfig(BOT_ENV);
    expect(cfg).toEqual({
      REDIS_URL: 'redis://127.0.0.1:6379',
      CSPATCH_PREFIX: 'cspatch',
      CSPATCH_RUNNER_SECRET: SECRET,
      LOG_LEVEL: 'info',
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'signing-secret',
      PORT: 3000,
      CSPATCH_ADMINS: ['U01ADMIN'],
      CSPATCH_ADMIN_GROUP_TTL: 60_000,
      CSPATCH_CHANNELS: [],
      CSPATCH_CHANNEL_RATE: 1,
      CSPATCH_CHANNEL_BURST: 4,
      CSPATCH_APPROVAL_TTL: 1_800_000,
      CSPATCH_RUNNER_LOST_AFTER: 90_000,
      CSPATCH_RESILIENCY_WARN: 1_500_000,
      CSPATCH_RESILIENCY_LIMIT: 1_800_000,
      CSPATCH_DETECT_TIMEOUT: 120_000,
      CSPATCH_PARENT_UPDATE_INTERVAL: 3_000,
      CSPATCH_RETENTION: 30 * 86_400_000,
      CSPATCH_SLACK_TIMEOUT: 10_000,
      CSPATCH_EXTRA_STEPS: true,
      CSPATCH_MIN_FREE_GB: 2,
      CSPATCH_BREAK_GLASS: false,
      CSPATCH_LANG: 'en',
    });
    expect(cfg.SLACK_APP_TOKEN).toBeUndefined();
    expect(cfg.CSPATCH_ADMIN_GROUP).toBeUndefined();
  });

  it('treats empty variables as unset', () => {
    const cfg = loadBotConfig({ ...BOT_ENV, PORT: '', CSPATCH_MIN_FREE_GB: '', CSPATCH_APPROVAL_TTL: '', CSPATCH_EXTRA_STEPS: '', CSPATCH_CHANNELS: '' });
    expect(cfg.PORT).toBe(3000);
    expect(cfg.CSPATCH_MIN_FREE_GB).toBe(2);
    expect(cfg.CSPATCH_APPROVAL_TTL).toBe(1_800_000);
    expect(cfg.CSPATCH_EXTRA_STEPS).toBe(true);
    expect(cfg.CSPATCH_CHANNELS).toEqual([]);
  });

  it('reads explicit values', () => {
    const cfg = loadBotConfig({
      ...BOT_ENV,
      PORT: '8080',
      REDIS_URL: 'rediss://cache.contoso.com:6380/2',
      CSPATCH_PREFIX: 'cs.prod_1',
      CSPATCH_ADMINS: ' U01ADMIN , W02OTHER ,',
      CSPATCH_ADMIN_GROUP: 'S0ADMINS',
      CSPATCH_CHANNELS: 'C0PATCH,G0PRIVATE',
      CSPATCH_APPROVAL_TTL: '600',
      CSPATCH_RESILIENCY_WARN: '1200.5',
      CSPATCH_RESILIENCY_LIMIT: '1800',
      CSPATCH_EXTRA_STEPS: 'off',
      CSPATCH_BREAK_GLASS: 'YES',
      CSPATCH_MIN_FREE_GB: '0.5',
      CSPATCH_LANG: 'zh-CN',
      SLACK_APP_TOKEN: 'xapp-1-abc',
      SLACK_API_URL: 'http://127.0.0.1:9999/api/',
      LOG_LEVEL: 'debug',
    });
    expect(cfg.PORT).toBe(8080);
    expect(cfg.REDIS_URL).toBe('rediss://cache.contoso.com:6380/2');
    expect(cfg.CSPATCH_PREFIX).toBe('cs.prod_1');
    expect(cfg.CSPATCH_ADMINS).toEqual(['U01ADMIN', 'W02OTHER']);
    expect(cfg.CSPATCH_ADMIN_GROUP).toBe('S0ADMINS');
    expect(cfg.CSPATCH_CHANNELS).toEqual(['C0PATCH', 'G0PRIVATE']);
    expect(cfg.CSPATCH_APPROVAL_TTL).toBe(600_000);
    expect(cfg.CSPATCH_RESILIENCY_WARN).toBe(1_200_500);
    expect(cfg.CSPATCH_EXTRA_STEPS).toBe(false);
    expect(cfg.CSPATCH_BREAK_GLASS).toBe(true);
    expect(cfg.CSPATCH_MIN_FREE_GB).toBe(0.5);
    expect(cfg.CSPATCH_LANG).toBe('zh-CN');
    expect(cfg.SLACK_APP_TOKEN).toBe('xapp-1-abc');
    expect(cfg.SLACK_API_URL).toBe('http://127.0.0.1:9999/api/');
    expect(cfg.LOG_LEVEL).toBe('debug');
  });

  it('accepts an admin group instead of an admin list', () => {
    const cfg = loadBotConfig({ ...BOT_ENV, CSPATCH_ADMINS: undefined, CSPATCH_ADMIN_GROUP: 'S0ADMINS' });
    expect(cfg.CSPATCH_ADMINS).toEqual([]);
    expect(cfg.CSPATCH_ADMIN_GROUP).toBe('S0ADMINS');
  });

  it('returns a frozen object', () => {
    const cfg = loadBotConfig(BOT_ENV);
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(() => {
      (cfg as { PORT: number }).PORT = 1;
    }).toThrow(TypeError);
    expect(cfg.PORT).toBe(3000);
  });

  it('ignores unrelated environment variables', () => {
    const cfg = loadBotConfig({ ...BOT_ENV, Path: 'C:\\Windows', USERPROFILE: 'C:\\Users\\svc-cspatch' });
    expect(Object.keys(cfg)).not.toContain('Path');
    expect(Object.keys(cfg)).not.toContain('USERPROFILE');
  });

  const invalid: Array<[string, Env, string]> = [
    ['missing SLACK_BOT_TOKEN', { SLACK_BOT_TOKEN: undefined }, "SLACK_BOT_TOKEN: SLACK_BOT_TOKEN is required (xoxb-…, from the app's OAuth page)"],
    ['empty SLACK_BOT_TOKEN', { SLACK_BOT_TOKEN: '' }, 'SLACK_BOT_TOKEN: '],
    ['missing SLACK_SIGNING_SECRET', { SLACK_SIGNING_SECRET: undefined }, 'SLACK_SIGNING_SECRET: SLACK_SIGNING_SECRET is required'],
    ['non-numeric PORT', { PORT: 'http' }, 'PORT: PORT must be a port number'],
    ['PORT above 65535', { PORT: '70000' }, 'PORT: '],
    ['negative PORT', { PORT: '-1' }, 'PORT: '],
    ['fractional PORT', { PORT: '80.5' }, 'PORT: '],
    ['a CSPATCH_ADMINS entry that is not a user id', { CSPATCH_ADMINS: 'U01ADMIN,@alice' }, 'CSPATCH_ADMINS: @alice is not a Slack user id (U…)'],
    ['several bad CSPATCH_ADMINS entries', { CSPATCH_ADMINS: 'alice,bob' }, 'CSPATCH_ADMINS: alice, bob are not a Slack user id (U…)'],
    ['a lower-case user id', { CSPATCH_ADMINS: 'u01admin' }, 'CSPATCH_ADMINS: u01admin is not a Slack user id'],
    ['a bad CSPATCH_ADMIN_GROUP', { CSPATCH_ADMIN_GROUP: 'admins' }, 'CSPATCH_ADMIN_GROUP: CSPATCH_ADMIN_GROUP must be a user group id (S…)'],
    ['a bad CSPATCH_CHANNELS entry', { CSPATCH_CHANNELS: 'C0PATCH,#general' }, 'CSPATCH_CHANNELS: #general is not a Slack channel id (C…)'],
    ['a word as CSPATCH_APPROVAL_TTL', { CSPATCH_APPROVAL_TTL: 'ten minutes' }, 'CSPATCH_APPROVAL_TTL: CSPATCH_APPROVAL_TTL must be a positive number of seconds, e.g. 1800'],
    ['zero CSPATCH_RUNNER_LOST_AFTER', { CSPATCH_RUNNER_LOST_AFTER: '0' }, 'CSPATCH_RUNNER_LOST_AFTER: CSPATCH_RUNNER_LOST_AFTER must be a positive number of seconds, e.g. 90'],
    ['negative CSPATCH_RETENTION', { CSPATCH_RETENTION: '-5' }, 'CSPATCH_RETENTION: CSPATCH_RETENTION must be a positive number of seconds'],
    ['infinite CSPATCH_DETECT_TIMEOUT', { CSPATCH_DETECT_TIMEOUT: 'Infinity' }, 'CSPATCH_DETECT_TIMEOUT: CSPATCH_DETECT_TIMEOUT must be a positive number of seconds'],
    ['a unit suffix on CSPATCH_PARENT_UPDATE_INTERVAL', { CSPATCH_PARENT_UPDATE_INTERVAL: '3s' }, 'CSPATCH_PARENT_UPDATE_INTERVAL: CSPATCH_PARENT_UPDATE_INTERVAL must be a positive number of seconds'],
    ['a non-boolean CSPATCH_EXTRA_STEPS', { CSPATCH_EXTRA_STEPS: 'maybe' }, 'CSPATCH_EXTRA_STEPS: CSPATCH_EXTRA_STEPS must be true or false'],
    ['a non-boolean CSPATCH_BREAK_GLASS', { CSPATCH_BREAK_GLASS: '2' }, 'CSPATCH_BREAK_GLASS: CSPATCH_BREAK_GLASS must be true or false'],
    ['an unsupported CSPATCH_LANG', { CSPATCH_LANG: 'fr' }, 'CSPATCH_LANG: CSPATCH_LANG must be en, de, zh-CN or es'],
    ['a bot token as SLACK_APP_TOKEN', { SLACK_APP_TOKEN: 'xoxb-1' }, 'SLACK_APP_TOKEN: SLACK_APP_TOKEN must be an app-level token starting with xapp-'],
    ['a SLACK_API_URL that is not a URL', { SLACK_API_URL: 'slack' }, 'SLACK_API_URL: SLACK_API_URL must be a URL ending in /api/'],
    ['an http REDIS_URL', { REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL: REDIS_URL must start with redis:// or rediss://'],
    ['a host-only REDIS_URL', { REDIS_URL: '127.0.0.1:6379' }, 'REDIS_URL: REDIS_URL must start with redis:// or rediss://'],
    ['a bad CSPATCH_PREFIX', { CSPATCH_PREFIX: 'cs patch' }, 'CSPATCH_PREFIX: CSPATCH_PREFIX may use letters, digits, _ . - (at most 40)'],
    ['missing CSPATCH_RUNNER_SECRET', { CSPATCH_RUNNER_SECRET: undefined }, 'CSPATCH_RUNNER_SECRET: CSPATCH_RUNNER_SECRET is required'],
    ['short CSPATCH_RUNNER_SECRET', { CSPATCH_RUNNER_SECRET: '15-characters..' }, 'CSPATCH_RUNNER_SECRET: CSPATCH_RUNNER_SECRET must be at least 16 characters'],
    ['an unknown LOG_LEVEL', { LOG_LEVEL: 'verbose' }, 'LOG_LEVEL: '],
    ['a non-numeric CSPATCH_MIN_FREE_GB', { CSPATCH_MIN_FREE_GB: 'lots' }, 'CSPATCH_MIN_FREE_GB: '],
    ['zero CSPATCH_CHANNEL_RATE', { CSPATCH_CHANNEL_RATE: '0' }, 'CSPATCH_CHANNEL_RATE: CSPATCH_CHANNEL_RATE must be above 0, e.g. 1'],
    ['a fractional CSPATCH_CHANNEL_BURST', { CSPATCH_CHANNEL_BURST: '1.5' }, 'CSPATCH_CHANNEL_BURST: '],
  ];
  for (const [what, overrides, expected] of invalid) {
    it(`refuses ${what}, naming the variable`, () => {
      const err = botError(overrides);
      expect(err.code).toBe('config_invalid');
      expect(err.message.startsWith('invalid configuration\n  ')).toBe(true);
      expect(err.message).toContain(expected);
    });
  }

  it('lists every invalid variable at once', () => {
    const err = botError({ PORT: 'x', REDIS_URL: 'x', CSPATCH_LANG: 'x' });
    expect(err.message.split('\n').slice(1).map((l) => l.trim().split(':')[0])).toEqual(
      expect.arrayContaining(['PORT', 'REDIS_URL', 'CSPATCH_LANG']),
    );
  });

  it('refuses a configuration where nobody could approve', () => {
    for (const admins of [undefined, '', ' , ']) {
      const err = botError({ CSPATCH_ADMINS: admins, CSPATCH_ADMIN_GROUP: undefined });
      expect(err.code).toBe('config_invalid');
      expect(err.message).toBe(
        'invalid configuration\n  set CSPATCH_ADMINS (Slack user ids, comma-separated) or CSPATCH_ADMIN_GROUP (a user group id): nobody could approve a patch otherwise',
      );
    }
  });

  it('refuses a resiliency warning that is not before the limit', () => {
    for (const [warn, limit] of [['1800', '1800'], ['1900', '1800'], ['1800', undefined]] as const) {
      const err = botError({ CSPATCH_RESILIENCY_WARN: warn, CSPATCH_RESILIENCY_LIMIT: limit });
      expect(err.code).toBe('config_invalid');
      expect(err.message).toBe('invalid configuration\n  CSPATCH_RESILIENCY_WARN must be shorter than CSPATCH_RESILIENCY_LIMIT');
    }
    expect(loadBotConfig({ ...BOT_ENV, CSPATCH_RESILIENCY_WARN: '1799', CSPATCH_RESILIENCY_LIMIT: '1800' }).CSPATCH_RESILIENCY_WARN).toBe(1_799_000);
  });
});

describe('loadRunnerConfig', () => {
  it('fills in every default', () => {
    const cfg = loadRunnerConfig(RUNNER_ENV, 'be01.contoso.com');
    expect(cfg).toEqual({
      REDIS_URL: 'redis://127.0.0.1:6379',
      CSPATCH_PREFIX: 'cspatch',
      CSPATCH_RUNNER_SECRET: SECRET,
      LOG_LEVEL: 'info',
      CSPATCH_POWERSHELL: 'powershell.exe',
      CSPATCH_HEARTBEAT: 10_000,
      server: 'be01.contoso.com',
      journalPath: './.cspatch/journal-be01.contoso.com.json',
      stepTimeoutsMs: MS_TIMEOUTS,
    });
  });

  it('normalises the server name and keeps the journal under ProgramData on Windows', () => {
    const cfg = loadRunnerConfig({ ...RUNNER_ENV, ProgramData: 'C:\\ProgramData' }, ' BE01.Contoso.com. ');
    expect(cfg.server).toBe('be01.contoso.com');
    expect(cfg.journalPath).toMatch(/^C:\\ProgramData\\cspatch\\journal-be01\.contoso\.com\.json$/);
  });

  it('reads explicit values', () => {
    const cfg = loadRunnerConfig(
      {
        ...RUNNER_ENV,
        CSPATCH_POWERSHELL: 'C:\\Tools\\fake-powershell.exe',
        CSPATCH_JOURNAL: 'D:\\cspatch\\journal.json',
        CSPATCH_HEARTBEAT: '2.5',
        CSPATCH_STEP_TIMEOUTS: 'install=60, database=30.5',
        REDIS_URL: 'redis://10.0.0.5:6379/1',
      },
      'be01.contoso.com',
    );
    expect(cfg.CSPATCH_POWERSHELL).toBe('C:\\Tools\\fake-powershell.exe');
    expect(cfg.journalPath).toBe('D:\\cspatch\\journal.json');
    expect(cfg.CSPATCH_HEARTBEAT).toBe(2_500);
    expect(cfg.stepTimeoutsMs).toEqual({ ...MS_TIMEOUTS, install: 60_000, database: 30_500 });
    expect(cfg.REDIS_URL).toBe('redis://10.0.0.5:6379/1');
    expect(cfg).not.toHaveProperty('CSPATCH_STEP_TIMEOUTS');
    expect(cfg).not.toHaveProperty('CSPATCH_JOURNAL');
  });

  it('returns a frozen object with frozen timeouts', () => {
    const cfg = loadRunnerConfig(RUNNER_ENV, 'be01.contoso.com');
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.stepTimeoutsMs)).toBe(true);
    expect(() => {
      (cfg.stepTimeoutsMs as Record<string, number>).install = 1;
    }).toThrow(TypeError);
    expect(() => {
      (cfg as { server: string }).server = 'other.contoso.com';
    }).toThrow(TypeError);
  });

  const badServers: Array<[string, string | undefined, string]> = [
    ['a missing --server', undefined, 'a server name is required'],
    ['an empty --server', '', 'a server name is required'],
    ['a short name', 'be01', 'give the fully qualified domain name'],
    ['an IP address', '10.0.0.5', 'the last part of a domain name cannot be numeric'],
    ['a name with a quote', "be01.contoso.com';calc", 'give the fully qualified domain name'],
    ['a look-alike letter', 'be01.\u0441ontoso.com', 'use a plain ASCII name'],
  ];
  for (const [what, server, expected] of badServers) {
    it(`refuses ${what}, naming --server`, () => {
      const err = runnerError({}, server);
      expect(err.code).toBe('config_invalid');
      expect(err.message.startsWith('invalid configuration\n  --server: ')).toBe(true);
      expect(err.message).toContain(expected);
    });
  }

  const invalid: Array<[string, Env, string]> = [
    ['missing CSPATCH_RUNNER_SECRET', { CSPATCH_RUNNER_SECRET: undefined }, 'CSPATCH_RUNNER_SECRET: CSPATCH_RUNNER_SECRET is required: the secret that signs jobs and results'],
    ['short CSPATCH_RUNNER_SECRET', { CSPATCH_RUNNER_SECRET: 'short' }, 'CSPATCH_RUNNER_SECRET: CSPATCH_RUNNER_SECRET must be at least 16 characters'],
    ['bad REDIS_URL', { REDIS_URL: 'localhost' }, 'REDIS_URL: REDIS_URL must start with redis:// or rediss://'],
    ['bad CSPATCH_HEARTBEAT', { CSPATCH_HEARTBEAT: 'often' }, 'CSPATCH_HEARTBEAT: CSPATCH_HEARTBEAT must be a positive number of seconds, e.g. 10'],
    ['empty CSPATCH_POWERSHELL', { CSPATCH_POWERSHELL: '' }, 'CSPATCH_POWERSHELL: '],
    ['an unknown step kind in CSPATCH_STEP_TIMEOUTS', { CSPATCH_STEP_TIMEOUTS: 'format=10' }, 'CSPATCH_STEP_TIMEOUTS: "format=10" should look like install=7200'],
    ['a non-number in CSPATCH_STEP_TIMEOUTS', { CSPATCH_STEP_TIMEOUTS: 'install=long' }, 'CSPATCH_STEP_TIMEOUTS: "install=long" should look like install=7200'],
  ];
  for (const [what, overrides, expected] of invalid) {
    it(`refuses ${what}, naming the variable`, () => {
      const err = runnerError(overrides, 'be01.contoso.com');
      expect(err.code).toBe('config_invalid');
      expect(err.message).toContain(expected);
    });
  }
});

describe('parseStepTimeouts', () => {
  it('returns the defaults in milliseconds for no overrides', () => {
    expect(parseStepTimeouts(undefined)).toEqual(MS_TIMEOUTS);
    expect(parseStepTimeouts('')).toEqual(MS_TIMEOUTS);
    expect(parseStepTimeouts(' , ')).toEqual(MS_TIMEOUTS);
    for (const [kind, seconds] of Object.entries(DEFAULT_TIMEOUTS_S)) {
      expect(parseStepTimeouts(undefined)).toHaveProperty(kind, seconds * 1000);
    }
  });

  it('overrides only the kinds named', () => {
    expect(parseStepTimeouts('install=3600')).toEqual({ ...MS_TIMEOUTS, install: 3_600_000 });
    expect(parseStepTimeouts('reboot=1200, verify=0.25,probe=60')).toEqual({ ...MS_TIMEOUTS, reboot: 1_200_000, verify: 250, probe: 60_000 });
    expect(parseStepTimeouts('install=10,install=20').install).toBe(20_000);
  });

  it('does not share state between calls', () => {
    const first = parseStepTimeouts('install=1');
    first.check = 5;
    expect(parseStepTimeouts(undefined)).toEqual(MS_TIMEOUTS);
    expect(DEFAULT_TIMEOUTS_S.install).toBe(7200);
  });

  const bad = ['install', 'install=', '=10', 'install=0', 'install=-5', 'install=1e3', 'Install=10', 'format=10', 'constructor=5', 'tostring=5', 'install=10;database=5', 'install = 10'];
  for (const spec of bad) {
    it(`refuses ${JSON.stringify(spec)}, naming CSPATCH_STEP_TIMEOUTS and the kinds`, () => {
      const err = caught(() => parseStepTimeouts(spec));
      expect(err.code).toBe('config_invalid');
      expect(err.message).toContain('CSPATCH_STEP_TIMEOUTS: "');
      expect(err.message).toContain('should look like install=7200 (kinds: probe, check, shell, service, install, reboot, database, verify)');
    });
  }
});
