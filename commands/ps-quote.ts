import { CspatchError, ErrorCode } from '../core/errors.js';

/**
 * PowerShell ends a single-quoted string at any of these five characters, not only the ASCII one,
 * which is how "unicode look-alike" injections work.
 */
const PS_SINGLE_QUOTES = /['\u2018\u2019\u201A\u201B]/g;
// eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;

/**
 * Renders a value as a PowerShell single-quoted literal. Parameter schemas already refuse every
 * quote and control character; this is the second wall, so a schema bug cannot become code.
 */
export function psQuote(value: string): string {
  if (CONTROL.test(value)) {
    throw new CspatchError(ErrorCode.ParamInvalid, 'a value with control characters cannot be rendered', { value });
  }
  return `'${value.replace(PS_SINGLE_QUOTES, (q) => q + q)}'`;
}
