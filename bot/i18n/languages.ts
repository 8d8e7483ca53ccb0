import { de } from './de.js';
import { es } from './es.js';
import { registerLanguage } from './translator.js';
import { zhCN } from './zh-CN.js';

/** Registers every translation with the translator. Call once at start, before createTranslator(). */
export function registerAllLanguages(): void {
  registerLanguage('de', de);
  registerLanguage('zh-CN', zhCN);
  registerLanguage('es', es);
}
