/**
 * The slash command's text as a typed request. Pure: validation of FQDNs and paths happens here
 * too, so every handler receives values that are already safe to use.
 */
import { fqdnSchema, runIdSchema, windowsPathSchema } from '../../commands/schemas.js';
import { isLang } from '../i18n/translator.js';

export type ParsedCommand =
  | { readonly kind: 'patch'; readonly server: string; readonly packagePath: string | null; readonly breakGlass: string | null }
  | { readonly kind: 'status'; readonly runId: string | null }
  | { readonly kind: 'abort'; readonly runId: string }
  | { readonly kind: 'runners' }
  | { readonly kind: 'history'; readonly server: string }
  | { readonly kind: 'audit'; readonly runId: string }
  | { readonly kind: 'lang'; readonly lang: string; readonly forUser: boolean }
  | { readonly kind: 'help' }
  /** `key` is an i18n key under `ephemeral.` or `command.`; params fill it */
  | { readonly kind: 'error'; readonly key: string; readonly params: Record<string, string> };

/** Splits on spaces, keeping "quoted parts" (straight or Slack's curly quotes) together. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /[“"]([^”"]*)[”"]|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2] ?? '');
  return out;
}

function usage(word: string): ParsedCommand {
  return { kind: 'error', key: 'command.unknown', params: { word: word.slice(0, 40) } };
}

function fqdn(raw: string | undefined): { ok: true; value: string } | { ok: false; error: ParsedCommand } {
  const parsed = fqdnSchema.safeParse(raw ?? '');
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: { kind: 'error', key: 'ephemeral.bad_fqdn', params: { reason: parsed.error.issues[0]?.message ?? '' } } };
}

function runId(raw: string | undefined): string | null {
  const parsed = runIdSchema.safeParse(raw ?? '');
  return parsed.success ? parsed.data : null;
}

export function parseCommand(text: string): ParsedCommand {
  if (text.length > 2000) return usage(text.slice(0, 20));
  const [sub = 'help', ...args] = tokenize(text.trim());
  switch (sub.toLowerCase()) {
    case 'patch': {
      const bg = args.indexOf('--break-glass');
      let breakGlass: string | null = null;
      if (bg >= 0) {
        breakGlass = (args[bg + 1] ?? '').trim();
        args.splice(bg, 2);
        if (!breakGlass || breakGlass.startsWith('--')) return { kind: 'error', key: 'ephemeral.break_glass_reason', params: {} };
      }
      if (args.length < 1 || args.length > 2) return usage(sub);
      const server = fqdn(args[0]);
      if (!server.ok) return server.error;
      let packagePath: string | null = null;
      if (args[1] !== undefined) {
        const p = windowsPathSchema.safeParse(args[1]);
        if (!p.success) return { kind: 'error', key: 'ephemeral.bad_path', params: { reason: p.error.issues[0]?.message ?? '' } };
        packagePath = p.data;
      }
      return { kind: 'patch', server: server.value, packagePath, breakGlass: breakGlass ? breakGlass.slice(0, 500) : null };
    }
    case 'status': {
      if (args.length === 0) return { kind: 'status', runId: null };
      const id = runId(args[0]);
      return id && args.length === 1 ? { kind: 'status', runId: id } : { kind: 'error', key: 'ephemeral.run_not_found', params: { runId: (args[0] ?? '').slice(0, 40) } };
    }
    case 'abort': {
      const id = runId(args[0]);
      return id && args.length === 1 ? { kind: 'abort', runId: id } : usage(sub);
    }
    case 'audit': {
      const id = runId(args[0]);
      return id && args.length === 1 ? { kind: 'audit', runId: id } : usage(sub);
    }
    case 'runners':
      return args.length === 0 ? { kind: 'runners' } : usage(sub);
    case 'history': {
      if (args.length !== 1) return usage(sub);
      const server = fqdn(args[0]);
      return server.ok ? { kind: 'history', server: server.value } : server.error;
    }
    case 'lang': {
      const [lang = '', scope] = args;
      if (!isLang(lang) || (scope !== undefined && scope !== 'me') || args.length > 2) return { kind: 'error', key: 'ephemeral.lang_bad', params: {} };
      return { kind: 'lang', lang, forUser: scope === 'me' };
    }
    case 'help':
      return { kind: 'help' };
    default:
      return usage(sub);
  }
}
