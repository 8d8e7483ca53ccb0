/**
 * The fake reads the values it needs back out of the rendered script, the way the real cmdlets
 * would receive them. Literals are PowerShell single-quoted strings ('' is an escaped quote).
 */
function unquote(body: string): string {
  return body.replace(/''/g, "'");
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The quoted literal right after `prefix` on some line, or undefined. */
export function literalAfter(script: string, prefix: string): string | undefined {
  const m = new RegExp(`${escapeRe(prefix)}'((?:[^']|'')*)'`).exec(script);
  return m?.[1] === undefined ? undefined : unquote(m[1]);
}

/** The script's lines without their CRLF endings. */
export function scriptLines(script: string): string[] {
  return script.split(/\r?\n/);
}

/** The first line starting with `start` (after indentation), or undefined. */
export function lineStartingWith(script: string, start: string): string | undefined {
  return scriptLines(script).find((l) => l.trimStart().startsWith(start));
}

/** The run id from the per-run work folder line (workDirLines in commands/steps/common.ts). */
export function runIdOf(script: string): string | undefined {
  return literalAfter(script, "(Join-Path 'cspatch' ");
}

/** The module the script imports by name, when it imports one. */
export function importedModule(script: string): string | undefined {
  return literalAfter(script, 'try { Import-Module -Name ');
}

export function leafOf(windowsPath: string): string {
  return windowsPath.split('\\').at(-1) ?? windowsPath;
}
