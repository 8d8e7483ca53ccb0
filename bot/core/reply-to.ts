import type { BotDeps, Origin } from './bot-deps.js';
import { section, type Block } from '../views/blocks.js';

/** A private answer in the reader's language. Failures are logged: the user can simply retry. */
export async function replyTo(deps: BotDeps, origin: Origin, key: string, params: Record<string, string | number> = {}): Promise<void> {
  const lang = await deps.languages.forUser(origin.user, origin.channel);
  const text = deps.translator.forLang(lang)(key, params);
  await sendBlocks(deps, origin, [section(text)], text);
}

export async function sendBlocks(deps: BotDeps, origin: Origin, blocks: Block[], text: string): Promise<void> {
  try {
    await deps.chat.ephemeral(origin.channel, origin.user, blocks, text);
  } catch (err) {
    deps.logger.warn({ err, user: origin.user }, 'could not send an ephemeral reply');
  }
}
