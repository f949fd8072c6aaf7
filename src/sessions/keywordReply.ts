/**
 * The default message handler: keyword auto-replies read from `account.settings`.
 *
 * ```jsonc
 * { "keywords": [ { "match": "price", "reply": "See example.com/prices" },
 *                 { "match": "/^hi\\b/i", "reply": "Hello!" } ],
 *   "defaultReply": "We will get back to you." }
 * ```
 *
 * Regex patterns run on RE2 in linear time (see `compileMatcher`): an operator's pattern cannot
 * freeze the process, whatever a customer sends.
 */
import { InvalidSessionSettingsError } from './errors.js';
import { compileMatcher } from './keywordMatcher.js';
import { keywordSettingsSchema } from './keywordSettingsSchema.js';

/** One compiled rule: a test on the message text and the reply it triggers. @example `{ test: (t) => t.includes('price'), reply: '10 €' }` */
export interface KeywordRule {
  test(text: string): boolean;
  reply: string;
}

/** Compiled keyword settings. @example `matchReply(compileKeywordSettings(settings), 'hi')` */
export interface KeywordSettings {
  rules: KeywordRule[];
  defaultReply?: string;
}

/**
 * Compiles `settings.keywords` (`[{ match, reply }]`) and `settings.defaultReply`, validated by
 * {@link keywordSettingsSchema}. `match` is a case-sensitive plain substring, or a `/regex/flags`
 * string (see `compileMatcher` for what RE2 accepts). Throws {@link InvalidSessionSettingsError}
 * (not retryable) naming the field on bad input.
 *
 * @example
 * ```ts
 * const k = compileKeywordSettings({ keywords: [{ match: '/^hi/i', reply: 'Hello' }] });
 * matchReply(k, 'Hi there'); // 'Hello'
 * ```
 */
export function compileKeywordSettings(settings: Record<string, unknown>): KeywordSettings {
  const parsed = keywordSettingsSchema.safeParse(settings);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidSessionSettingsError(issue?.path.join('.') || 'settings', issue?.message ?? 'is invalid');
  }
  const rules = (parsed.data.keywords ?? []).map((k, i) => {
    const matcher = compileMatcher(k.match);
    if (!matcher.test) throw new InvalidSessionSettingsError(`keywords.${i}.match`, matcher.problem);
    return { test: matcher.test, reply: k.reply };
  });
  return parsed.data.defaultReply === undefined ? { rules } : { rules, defaultReply: parsed.data.defaultReply };
}

/**
 * The reply for `text`: the first matching rule's, else `defaultReply`, else `undefined` (no reply).
 *
 * @example
 * ```ts
 * matchReply({ rules: [], defaultReply: 'Thanks' }, 'anything'); // 'Thanks'
 * ```
 */
export function matchReply(settings: KeywordSettings, text: string): string | undefined {
  for (const rule of settings.rules) if (rule.test(text)) return rule.reply;
  return settings.defaultReply;
}

export { keywordSettingsSchema } from './keywordSettingsSchema.js';
