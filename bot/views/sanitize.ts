/**
 * Server output is untrusted text on its way into a shared channel: secrets are masked, Slack's
 * control sequences (<!channel>, <@U…>, <#C…>, links) are made inert, and length is bounded.
 */
const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/g, 'xox?-[redacted]'],
  [/\bxapp-[A-Za-z0-9-]{10,}/g, 'xapp-[redacted]'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
  [/\b(password|passwd|pwd|secret|token|api[_-]?key)\s*[=:]\s*("[^"]*"|'[^']*'|[^\s;,'"]+)/gi, '$1=[redacted]'],
  [/\b(User ID|UID)\s*=\s*[^;]+;\s*(Password|PWD)\s*=\s*[^;]+/gi, '$1=[redacted];$2=[redacted]'],
  [/-(Password|Credential)\s+("[^"]*"|'[^']*'|\S+)/gi, '-$1 [redacted]'],
  [/:\/\/([^:/\s]+):([^@/\s]+)@/g, '://$1:[redacted]@'],
];

export function redact(text: string): string {
  return SECRET_PATTERNS.reduce((acc, [re, by]) => acc.replace(re, by), text);
}

/** Slack's own escaping: with &, < and > escaped, no mention or link can form. */
export function neutralize(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts text to a length Block Kit accepts, keeping the end (where errors usually are). */
export function keepTail(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = '…\n';
  return marker + text.slice(text.length - (max - marker.length));
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Server lines as a code block for a section (max 3000 characters), safe to post. */
export function outputBlockText(lines: readonly string[], max = 2900): string {
  const body = keepTail(neutralize(redact(lines.join('\n'))).replace(/```/g, "'''"), max - 8);
  return `\`\`\`${body}\`\`\``;
}
