import { z } from 'zod';
import type { DetectedFacts } from '../lifecycle/run.js';

const str = z.string().min(1).max(300).nullable().catch(null);
const bool = z.boolean().nullable().catch(null);

const factsSchema = z.object({
  product: z.enum(['lync2013', 'sfb2015', 'sfb2019']).nullable().catch(null),
  version: str,
  edition: z.enum(['enterprise', 'standard']).nullable().catch(null),
  poolFqdn: str,
  sqlServerFqdn: str,
  collocated: z.array(z.enum(['archiving', 'monitoring'])).catch([]),
  csComponents: bool,
  mirrored: bool,
  pendingReboot: bool,
  package: z
    .object({
      exists: z.boolean().catch(false),
      sha256: z.string().regex(/^[A-Fa-f0-9]{64}$/).transform((s) => s.toUpperCase()).nullable().catch(null),
      signature: str,
      signer: str,
    })
    .nullable()
    .catch(null),
});

/**
 * Reads the runner's detection output leniently: anything odd becomes "unknown" (null) rather
 * than an error, because the human's confirmation decides in the end.
 */
export function parseFacts(data: Record<string, unknown>, packagePath: string | null): DetectedFacts | null {
  const raw = data.facts;
  if (!raw || typeof raw !== 'object') return null;
  const f = factsSchema.parse({ product: null, version: null, edition: null, poolFqdn: null, sqlServerFqdn: null, collocated: [], csComponents: null, mirrored: null, pendingReboot: null, package: null, ...raw });
  const lower = (s: string | null) => (s ? s.toLowerCase() : null);
  return {
    ...f,
    poolFqdn: lower(f.poolFqdn),
    sqlServerFqdn: lower(f.sqlServerFqdn),
    package: f.package && packagePath ? { path: packagePath, exists: f.package.exists, sha256: f.package.sha256, signature: f.package.signature ?? null, signer: f.package.signer ?? null } : null,
  };
}
