import { z } from 'zod';
import { psQuote } from '../ps-quote.js';
import { fqdnSchema, productSchema } from '../schemas.js';
import { defineStep } from '../step-definition.js';

/** The three variants of document step 11, chosen by the confirmed facts. */
export const DATABASE_VARIANTS = ['enterprise', 'enterprise-collocated', 'standard'] as const;
export type DatabaseVariant = (typeof DATABASE_VARIANTS)[number];

const databaseParams = z.discriminatedUnion('variant', [
  z.object({ product: productSchema, variant: z.literal('enterprise'), sqlServerFqdn: fqdnSchema }).strict(),
  z.object({ product: productSchema, variant: z.literal('enterprise-collocated'), sqlServerFqdn: fqdnSchema }).strict(),
  z.object({ product: productSchema, variant: z.literal('standard') }).strict(),
]);
type DatabaseParams = z.infer<typeof databaseParams>;

function args(p: DatabaseParams, quote: (v: string) => string): string {
  switch (p.variant) {
    case 'enterprise':
      return `-Update -ConfiguredDatabases -SqlServerFqdn ${quote(p.sqlServerFqdn)}`;
    case 'enterprise-collocated':
      return `-Update -ConfiguredDatabases -SqlServerFqdn ${quote(p.sqlServerFqdn)} -ExcludeCollocatedStores`;
    case 'standard':
      return '-Update -LocalDatabases';
  }
}

export const updateDatabasesStep = defineStep({
  id: 'update-databases',
  docStep: 11,
  kind: 'database',
  params: databaseParams,
  needsModule: true,
  display: (p) => `Install-CsDatabase ${args(p, (v) => v)}`,
  body: (p) => [`Install-CsDatabase ${args(p, psQuote)} -Confirm:$false`],
});
