import { z } from 'zod';
import { CONFIRM_CALLBACK } from '../views/blocks.js';

/**
 * Which verified request bodies reach the handlers. Slack only ever sends these three shapes to
 * cspatch; anything else (another type, a field of the wrong type, a body with a valid signature
 * but junk inside) is acknowledged and dropped, so no handler sees a shape it was not written
 * for, and Slack gets its 200 at once instead of Bolt's 404 three seconds later.
 */
const id = z.string().min(1).max(64);
const optionalText = z.string().max(10_000).optional();

const slashCommand = z.looseObject({
  command: z.literal('/cspatch'),
  user_id: id,
  channel_id: id,
  text: optionalText,
  trigger_id: optionalText,
});

const blockAction = z.looseObject({
  type: z.literal('block_actions'),
  user: z.looseObject({ id }),
  channel: z.looseObject({ id }).nullish(),
  container: z.looseObject({ channel_id: id.optional() }).nullish(),
  trigger_id: optionalText,
  actions: z
    .array(
      z.looseObject({
        type: z.string(),
        action_id: z.string().regex(/^cspatch_[a-z_]{1,40}$/),
        value: z.string().max(2000).optional(),
        action_ts: z.string().max(64).optional(),
      }),
    )
    .min(1)
    .max(1),
});

const viewSubmission = z.looseObject({
  type: z.literal('view_submission'),
  user: z.looseObject({ id }),
  view: z.looseObject({
    callback_id: z.literal(CONFIRM_CALLBACK),
    private_metadata: z.string().max(3000),
    state: z.looseObject({ values: z.record(z.string(), z.unknown()) }),
  }),
});

export type AcceptedKind = 'command' | 'action' | 'view';

/**
 * The kind of a body cspatch handles, or null for one it does not.
 *
 * @example acceptedBody({ command: '/cspatch', user_id: 'U1', channel_id: 'C1', text: 'help' }) // 'command'
 */
export function acceptedBody(body: unknown): AcceptedKind | null {
  if (slashCommand.safeParse(body).success) return 'command';
  if (blockAction.safeParse(body).success) return 'action';
  if (viewSubmission.safeParse(body).success) return 'view';
  return null;
}
