import type { Logger } from '../../core/logger.js';
import type { Stores } from '../../store/ports.js';
import type { Chat } from '../chat/chat.js';
import type { AccessPolicy } from '../engine/access.js';
import type { LanguageResolver } from '../engine/languages.js';
import type { RunEngine } from '../engine/run-engine.js';
import type { Translator } from '../i18n/translator.js';

/** What the transport-independent handlers need; the Slack app and the demo both build one. */
export interface BotDeps {
  readonly stores: Stores;
  readonly engine: RunEngine;
  readonly chat: Chat;
  readonly access: AccessPolicy;
  readonly languages: LanguageResolver;
  readonly translator: Translator;
  readonly logger: Logger;
  readonly now: () => number;
  readonly runnerLostAfterMs: number;
  readonly breakGlassEnabled: boolean;
}

/** Who sent a command or clicked, and where. */
export interface Origin {
  readonly user: string;
  readonly channel: string;
  readonly triggerId: string | null;
}
