import { z } from 'zod';
import { EDITIONS, PRODUCT_IDS } from './products.js';

/**
 * Parameter schemas. Each refuses with a sentence an admin can act on. They are deliberately
 * narrower than Windows allows: a value that passes can never change the meaning of a script.
 */

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export const fqdnSchema = z
  .string({ error: 'a server name is required' })
  .trim()
  .min(1, 'a server name is required')
  .max(253, 'a fully qualified domain name has at most 253 characters')
  // Checked before lowercasing: toLowerCase() turns some look-alikes into ASCII (Kelvin sign K -> k).
  .refine((s) => /^[\x21-\x7e]*$/.test(s), {
    message: 'use a plain ASCII name such as fe01.contoso.com (no spaces, no accented or look-alike letters)',
  })
  .transform((s) => s.toLowerCase().replace(/\.$/, ''))
  .refine((s) => s.split('.').length >= 2 && s.split('.').every((l) => LABEL.test(l)), {
    message: 'give the fully qualified domain name, such as be01.contoso.com (letters, digits and hyphens, dot-separated)',
  })
  .refine((s) => /[a-z]/.test(s.split('.').at(-1) ?? ''), {
    message: 'the last part of a domain name cannot be numeric: give the name, not an IP address',
  });
export type Fqdn = z.infer<typeof fqdnSchema>;

// Letters, digits and the punctuation seen in real share and folder names; no quotes, $, `, ;,
// wildcards or control characters. Paths are always passed to -LiteralPath.
const PATH_CHARS = /^[A-Za-z0-9 ._\-\\:()+,~#@!]+$/;

export const windowsPathSchema = z
  .string({ error: 'a path is required' })
  .trim()
  .min(1, 'a path is required')
  .max(240, 'the path is too long: Windows paths must stay under 260 characters; use a shorter folder')
  .refine((s) => PATH_CHARS.test(s), {
    message: 'the path may only contain letters, digits, spaces and . _ - \\ : ( ) + , ~ # @ ! (no quotes, $, `, ; or wildcards)',
  })
  .refine((s) => /^[A-Za-z]:\\/.test(s) || /^\\\\[A-Za-z0-9][A-Za-z0-9.-]*\\[^\\]+\\/.test(s), {
    message: 'give an absolute local path (C:\\Updates\\...) or a UNC path (\\\\server\\share\\...)',
  })
  .refine((s) => !s.split('\\').some((seg) => seg === '..' || seg === '.'), {
    message: 'the path may not contain . or .. segments',
  })
  .refine((s) => s.indexOf(':') === -1 || s.indexOf(':') === 1 && s.lastIndexOf(':') === 1, {
    message: 'a colon may only follow the drive letter',
  });
export type WindowsPath = z.infer<typeof windowsPathSchema>;

export const runIdSchema = z.string().regex(/^[a-z0-9]{6,32}$/, 'a run id is 6 to 32 lowercase letters and digits');

export const sha256Schema = z
  .string()
  .regex(/^[A-Fa-f0-9]{64}$/, 'a SHA-256 is 64 hexadecimal characters')
  .transform((s) => s.toUpperCase());

export const productSchema = z.enum(PRODUCT_IDS, { error: 'product must be lync2013, sfb2015 or sfb2019' });
export const editionSchema = z.enum(EDITIONS, { error: 'edition must be enterprise or standard' });

/** The facts a human confirmed; the plan is built from these and nothing else. */
export const confirmedFactsSchema = z
  .object({
    server: fqdnSchema,
    product: productSchema,
    edition: editionSchema,
    collocatedStores: z.boolean(),
    sqlServerFqdn: fqdnSchema.optional(),
    packagePath: windowsPathSchema,
    packageSha256: sha256Schema,
    runId: runIdSchema,
  })
  .strict();
export type ConfirmedFacts = z.infer<typeof confirmedFactsSchema>;
export type ConfirmedFactsInput = z.input<typeof confirmedFactsSchema>;

/** Formats zod issues as one line per problem, naming the field. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}
