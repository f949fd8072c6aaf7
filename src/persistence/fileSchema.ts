import { z } from 'zod';
import { historyEntrySchema } from '../history/historyEntry.js';
import type { SupervisionRecord } from './accountStore.js';

/** The file format version this code writes. Older versions are migrated at open (see `migrations.ts`). */
export const CURRENT_FILE_VERSION = 2;

const base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, { error: 'must be base64' });

/** `encryption` in the file: how the credentials key is derived, and a value to check the key against. */
export const encryptionHeaderSchema = z.strictObject({
  kdf: z.literal('scrypt'),
  N: z
    .number()
    .int()
    .min(1024)
    .max(2 ** 20)
    .refine((n) => (n & (n - 1)) === 0, { error: 'must be a power of two' }),
  r: z.number().int().min(1).max(32),
  p: z.number().int().min(1).max(16),
  salt: base64,
  /** `enc:v1:…` of a fixed text: decrypting it proves the secret is right before any record is read. */
  check: z.string(),
});

/** The `encryption` header of an encrypted store file. */
export type EncryptionHeader = z.infer<typeof encryptionHeaderSchema>;

/**
 * The current (version 2) file, records not yet checked: each account and supervision record is
 * validated on its own so one bad record can be named (and, with `skipInvalid`, skipped).
 *
 * ```json
 * { "version": 2,
 *   "encryption": { "kdf": "scrypt", "N": 16384, "r": 8, "p": 1, "salt": "…", "check": "enc:v1:…" },
 *   "accounts": [{ "id": "shop-42", "enabled": true, "credentials": "enc:v1:<iv>:<tag>:<ciphertext>", "settings": {} }],
 *   "supervision": { "shop-42": { "restartHistory": [], "restarts": 0 } } }
 * ```
 */
export const storeFileSchema = z.strictObject({
  version: z.literal(CURRENT_FILE_VERSION),
  encryption: encryptionHeaderSchema.optional(),
  accounts: z.array(z.unknown(), { error: 'must be an array' }),
  supervision: z.record(z.string(), z.unknown(), { error: 'must be an object keyed by account id' }),
});

/** A store file as written (version 2). */
export type StoreFile = z.infer<typeof storeFileSchema>;

const errorInfoSchema = z.strictObject({ message: z.string(), code: z.string().optional() });

/** The schema of one stored {@link SupervisionRecord}. */
export const supervisionRecordSchema = z.strictObject({
  suspended: z.strictObject({ at: z.number(), cause: z.enum(['intensity', 'nonRetryable']).optional(), error: errorInfoSchema }).optional(),
  restartHistory: z.array(z.number()),
  restarts: z.number().int().nonnegative(),
  lastError: errorInfoSchema.optional(),
  history: z.array(historyEntrySchema).optional(),
});

// Compile-time guard: the schema and the interface must describe the same record.
type Parsed = z.infer<typeof supervisionRecordSchema>;
const _sameShape: [Parsed extends SupervisionRecord ? true : false, SupervisionRecord extends Parsed ? true : false] = [true, true];
void _sameShape;

/**
 * The dotted path and reason of the first problem zod found.
 * @example
 * ```ts
 * const r = supervisionRecordSchema.safeParse(raw);
 * if (!r.success) console.log(firstZodIssue(r.error)); // { field: 'restarts', reason: '…' }
 * ```
 */
export function firstZodIssue(error: z.ZodError): { field: string; reason: string } {
  const issue = error.issues[0];
  if (!issue) return { field: '(record)', reason: 'is invalid' };
  const prefix = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    return { field: prefix ? `${prefix}.${issue.keys[0] ?? '?'}` : (issue.keys[0] ?? '?'), reason: 'is not a known field' };
  }
  return { field: prefix || '(record)', reason: issue.message };
}
