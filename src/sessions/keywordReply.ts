/**
 * The default message handler: keyword auto-replies read from `account.settings`.
 *
 * ```jsonc
 * { "keywords": [ { "match": "price", "reply": "See example.com/prices" },
 *                 { "match": "/^hi\\b/i", "reply": "Hello!" } ],
 *   "defaultReply": "We will get back to you." }
 * ```
 */
import { z } from 'zod';
import { InvalidSessionSettingsError } from './errors.js';

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

const settingsSchema = z.object({
  keywords: z.array(z.object({ match: z.string().min(1), reply: z.string() })).optional(),
  defaultReply: z.string().optional(),
});

/** `/body/flags`, the whole string; flags are JavaScript's. */
const REGEX_LITERAL = /^\/(.+)\/([a-z]*)$/s;

/**
 * Compiles `settings.keywords` (`[{ match, reply }]`) and `settings.defaultReply`.
 *
 * `match` is a case-sensitive plain substring, or a `/regex/flags` string (the whole value
 * starts with `/` and ends with `/` plus optional flags). `g` and `y` are dropped because they
 * make `RegExp.test` stateful. Throws {@link InvalidSessionSettingsError} (not retryable) on bad input.
 *
 * @example
 * ```ts
 * const k = compileKeywordSettings({ keywords: [{ match: '/^hi/i', reply: 'Hello' }] });
 * matchReply(k, 'Hi there'); // 'Hello'
 * ```
 */
export function compileKeywordSettings(settings: Record<string, unknown>): KeywordSettings {
  const parsed = settingsSchema.safeParse(settings);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidSessionSettingsError(issue?.path.join('.') || 'settings', issue?.message ?? 'is invalid');
  }
  const rules = (parsed.data.keywords ?? []).map((k, i) => ({ test: compileMatcher(k.match, `keywords.${i}.match`), reply: k.reply }));
  return parsed.data.defaultReply === undefined ? { rules } : { rules, defaultReply: parsed.data.defaultReply };
}

function compileMatcher(match: string, field: string): (text: string) => boolean {
  const literal = REGEX_LITERAL.exec(match);
  if (!literal) return (text) => text.includes(match);
  const [, body = '', flags = ''] = literal;
  let re: RegExp;
  try {
    re = new RegExp(body, flags.replace(/[gy]/g, ''));
  } catch (e) {
    throw new InvalidSessionSettingsError(field, `is not a valid regular expression (${(e as Error).message})`);
  }
  return (text) => re.test(text);
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
