/**
 * The people in the demo. Slack identifies users by ids such as U024BE7LH; the demo derives one
 * from each name (alice → UALICE) so that mentions, CSPATCH_ADMINS and the audit trail look real.
 */
export const DEMO_ADMINS = ['alice', 'bob'] as const;
/** a user who may watch and ask but not patch or approve */
export const DEMO_NON_ADMIN = 'eve';
export const DEMO_FIRST_USER = 'alice';

const NAME = /^[a-z][a-z0-9]{0,15}$/;

/** alice → UALICE; null for a name that cannot become an id. */
export function userIdOf(name: string): string | null {
  const n = name.trim().toLowerCase();
  return NAME.test(n) ? `U${n.toUpperCase()}` : null;
}

/** UALICE → alice; other ids are shown as they are. */
export function userNameOf(id: string): string {
  return /^U[A-Z][A-Z0-9]*$/.test(id) ? id.slice(1).toLowerCase() : id;
}

export function isDemoAdmin(name: string): boolean {
  return (DEMO_ADMINS as readonly string[]).includes(name);
}
