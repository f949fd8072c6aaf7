import { z } from 'zod';
import type { Account, AccountInput } from './account.js';
import { InvalidAccountError } from './errors.js';

// Control characters (C0, DEL, C1) make ids unreadable in logs and ambiguous on a command line.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

const idSchema = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(128, { error: 'must be at most 128 characters' })
  .refine((id) => !CONTROL_CHARS.test(id), { error: 'must not contain control characters' });

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

const settingsSchema = z.record(z.string(), z.unknown(), { error: 'must be a plain object' });

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
  enabled: accountSchema.shape.enabled.optional(),
  settings: settingsSchema.optional(),
});

const patchSchema = inputSchema.partial();

/**
 * Validates what a caller passed to `add()` and applies defaults.
 * @throws InvalidAccountError naming the first offending field.
 */
export function parseAccountInput(input: unknown): Account {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) throw toInvalidAccountError(parsed.error);
  const { enabled = true, settings = {}, ...rest } = parsed.data;
  return { ...rest, enabled, settings };
}

/**
 * Validates an `update()` patch and lays it over `current`. The id cannot change.
 * @throws InvalidAccountError naming the first offending field.
 */
export function applyAccountPatch(current: Account, patch: unknown): Account {
  const parsed = patchSchema.safeParse(patch);
  if (!parsed.success) throw toInvalidAccountError(parsed.error);
  const p: Partial<AccountInput> = parsed.data;
  if (p.id !== undefined && p.id !== current.id) throw new InvalidAccountError('id', 'cannot be changed by update()');
  const next: Account = { ...current, ...stripUndefined(p), id: current.id };
  return next;
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

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
