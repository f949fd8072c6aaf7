import { z } from 'zod';
import type { Account } from './account.js';
import { InvalidAccountError } from './errors.js';
import { jsonMergePatch } from './jsonMergePatch.js';
import { checkSettingsLimits } from './settingsLimits.js';

// Control characters (C0, DEL, C1) make ids unreadable in logs and ambiguous on a command line.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Characters a new id may not contain because they are invisible or reorder text, so that two ids
 * could look the same (`sm1` and `sm1\u200b`) or an id could display as another (`\u202esm1`):
 * format characters (zero-width space and joiners, bidirectional marks, embeddings, overrides and
 * isolates, the byte-order mark, soft hyphen, tag characters), every space except the ASCII space
 * (no-break and other Unicode spaces, line and paragraph separators), lone surrogates, and blank
 * letters (combining grapheme joiner, Hangul fillers, braille blank, variation selectors).
 */
const INVISIBLE_CHARS = /[\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u115f\u1160\u3164\uffa0\u2800]|\u034f|\p{Variation_Selector}/u;

const idSchema = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(128, { error: 'must be at most 128 characters' })
  .refine((id) => !CONTROL_CHARS.test(id), { error: 'must not contain control characters' });

/**
 * The id of a new account: {@link idSchema}, normalised to Unicode NFC first (so `é` typed as
 * `e` + combining accent is the same id as `é`), with no invisible or bidirectional characters
 * and no leading or trailing space. Stored ids are checked with the older, looser rule only, so
 * a file written before this rule still opens (and its accounts can be removed).
 */
const newIdSchema = z.preprocess(
  (id) => (typeof id === 'string' ? id.normalize('NFC') : id),
  idSchema
    .refine((id) => !INVISIBLE_CHARS.test(id), { error: 'must not contain invisible, formatting or bidirectional control characters (for example U+200B, U+00A0, U+202E)' })
    .refine((id) => id.trim() === id, { error: 'must not start or end with a space' }),
);

const nonNegativeMs = z.number().int().nonnegative().max(2_147_483_647);

/** The schema of a restart policy override (any subset, unknown keys refused). */
export const restartPolicyInputSchema = z.strictObject({
  type: z.enum(['permanent', 'transient', 'temporary']).optional(),
  backoff: z
    .strictObject({
      minMs: nonNegativeMs.optional(),
      maxMs: nonNegativeMs.optional(),
      factor: z.number().min(1).max(100).optional(),
      jitter: z.enum(['full', 'decorrelated', 'none']).optional(),
    })
    .optional(),
  intensity: z
    .strictObject({ maxRestarts: z.number().int().nonnegative().optional(), withinMs: nonNegativeMs.optional() })
    .optional(),
  resetAfterMs: nonNegativeMs.optional(),
  onIntensityExceeded: z.enum(['suspend', 'escalate']).optional(),
  onLeak: z.enum(['wait', 'proceed']).optional(),
});

// Kept as given (no copy): `z.record` would silently drop a `__proto__` key.
const settingsSchema = z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
  error: 'must be a plain object',
});

/** `settings` within the documented limits (see `checkSettingsLimits`). */
const boundedSettingsSchema = settingsSchema.superRefine((settings, ctx) => {
  const problem = checkSettingsLimits(settings);
  if (problem) ctx.addIssue({ code: 'custom', message: problem.reason, path: problem.path, input: settings });
});

/** The schema of a stored account record: `AccountInput` with its defaults applied. */
export const accountSchema = z.strictObject({
  id: idSchema,
  enabled: z.boolean({ error: 'must be true or false' }),
  credentials: z.string({ error: 'must be a string' }).optional(),
  settings: settingsSchema,
  restart: restartPolicyInputSchema.optional(),
  priority: z.boolean({ error: 'must be true or false' }).optional(),
});

const inputSchema = accountSchema.extend({
  id: newIdSchema,
  enabled: accountSchema.shape.enabled.optional(),
  settings: boundedSettingsSchema.optional(),
});

/**
 * Validates what a caller passed to `add()` and applies defaults. The id is normalised to NFC.
 * @throws InvalidAccountError naming the first offending field.
 */
export function parseAccountInput(input: unknown): Account {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) throw toInvalidAccountError(parsed.error);
  const { enabled = true, settings = {}, ...rest } = parsed.data;
  return { ...rest, enabled, settings };
}

const plainObject = settingsSchema;

/**
 * An `update()` patch: a JSON merge patch (RFC 7396) on the account. `settings` and `restart`
 * merge key by key (`null` deletes a key); `credentials: null` removes the credentials,
 * `restart: null` the override, `settings: null` every setting; `enabled` replaces.
 */
const patchSchema = z.strictObject({
  id: idSchema.optional(),
  enabled: accountSchema.shape.enabled.optional(),
  credentials: z.string({ error: 'must be a string, or null to remove the credentials' }).nullable().optional(),
  settings: boundedSettingsSchema.nullable().optional(),
  restart: plainObject
    .superRefine((restart, ctx) => {
      if (checkSettingsLimits(restart)) ctx.addIssue({ code: 'custom', message: 'is nested too deep or too large to be a restart policy', input: restart });
    })
    .nullable()
    .optional(),
});

/** The result of a patch, checked like a new account's fields (settings within the limits). */
const patchedSchema = accountSchema.extend({ settings: boundedSettingsSchema });

/**
 * Validates an `update()` patch, a JSON merge patch (RFC 7396) on the account, and applies it to
 * `current`: `settings` and `restart` merge key by key (`null` deletes a key), so updating one
 * setting keeps the others; `credentials: null` removes the credentials, `restart: null` the
 * override; `enabled` and `credentials` replace. The id cannot change.
 *
 * @example
 * ```ts
 * applyAccountPatch({ id: 'a', enabled: true, settings: { region: 'eu', tier: 1 } }, { settings: { tier: null } });
 * // { id: 'a', enabled: true, settings: { region: 'eu' } }
 * ```
 * @throws InvalidAccountError naming the first offending field, of the patch or of the result.
 */
export function applyAccountPatch(current: Account, patch: unknown): Account {
  const parsed = patchSchema.safeParse(patch);
  if (!parsed.success) throw toInvalidAccountError(parsed.error);
  const p = parsed.data;
  if (p.id !== undefined && p.id !== current.id) throw new InvalidAccountError('id', 'cannot be changed by update()');
  const credentials = p.credentials === undefined ? current.credentials : (p.credentials ?? undefined);
  const restart = p.restart === undefined ? current.restart : p.restart === null ? undefined : jsonMergePatch(current.restart ?? {}, p.restart);
  const next = {
    id: current.id,
    enabled: p.enabled ?? current.enabled,
    ...(credentials === undefined ? {} : { credentials }),
    settings: p.settings === undefined ? current.settings : p.settings === null ? {} : jsonMergePatch(current.settings, p.settings),
    ...(restart === undefined ? {} : { restart }),
  };
  const checked = patchedSchema.safeParse(next);
  if (!checked.success) throw toInvalidAccountError(checked.error);
  return checked.data;
}

/**
 * Validates a stored record (as read back from a store).
 * @returns the account, or the offending field and reason.
 */
export function checkAccountRecord(record: unknown): { ok: true; account: Account } | { ok: false; field: string; reason: string } {
  const parsed = accountSchema.safeParse(record);
  if (parsed.success) return { ok: true, account: parsed.data };
  const { field, reason } = firstIssue(parsed.error);
  return { ok: false, field, reason };
}

function toInvalidAccountError(error: z.ZodError): InvalidAccountError {
  const { field, reason } = firstIssue(error);
  return new InvalidAccountError(field, reason);
}

function firstIssue(error: z.ZodError): { field: string; reason: string } {
  const issue = error.issues[0];
  if (!issue) return { field: '(account)', reason: 'is invalid' };
  if (issue.code === 'unrecognized_keys') {
    const prefix = issue.path.length > 0 ? `${issue.path.join('.')}.` : '';
    return { field: `${prefix}${issue.keys[0] ?? '?'}`, reason: 'is not a known field' };
  }
  const field = issue.path.length > 0 ? issue.path.join('.') : '(account)';
  const reason = issue.path.length > 0 ? issue.message : `is invalid: ${issue.message}`;
  return { field, reason };
}
