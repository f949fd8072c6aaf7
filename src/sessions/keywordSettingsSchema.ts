import { z } from 'zod';
import { compileMatcher } from './keywordMatcher.js';

/**
 * The schema of the keyword auto-reply settings, which `websocketSession()` declares as its
 * `settingsSchema` (so `add` / `update` refuse bad ones with 400 `INVALID_ACCOUNT`, and an account
 * stored with bad ones is suspended instead of running and dropping every message). Other keys
 * in `settings` are left alone.
 *
 * - `keywords`: an array of `{ match, reply }`; `match` is a non-empty plain substring or a
 *   `/regex/flags` string that compiles under the linear-time rules of `compileMatcher`.
 * - `defaultReply`: a string.
 *
 * @example
 * ```ts
 * keywordSettingsSchema.safeParse({ keywords: [{ match: '/(a+)+$/', reply: 'x' }] }).success; // true: RE2 runs it in linear time
 * keywordSettingsSchema.safeParse({ keywords: [{ match: '/(a)\\1/', reply: 'x' }] }).success; // false: backreferences are refused
 * ```
 */
export const keywordSettingsSchema = z.object({
  keywords: z
    .array(
      z.object({
        match: z
          .string({ error: 'must be a string' })
          .min(1, { error: 'must not be empty' })
          .max(1_000, { error: 'must be at most 1000 characters' })
          .superRefine((match, ctx) => {
            const problem = compileMatcher(match).problem;
            if (problem) ctx.addIssue({ code: 'custom', message: problem, input: match });
          }),
        reply: z.string({ error: 'must be a string' }).max(4_096, { error: 'must be at most 4096 characters' }),
      }),
      { error: 'must be an array of { "match": "…", "reply": "…" }' },
    )
    .max(1_000, { error: 'must have at most 1000 rules' })
    .optional(),
  defaultReply: z.string({ error: 'must be a string' }).max(4_096, { error: 'must be at most 4096 characters' }).optional(),
});

/** Keyword settings as validated. */
export type KeywordSettingsInput = z.infer<typeof keywordSettingsSchema>;
