import { z } from 'zod';
import { StoreCorruptError } from '../errors.js';
import { CURRENT_FILE_VERSION, firstZodIssue, objectKeyedById } from './fileSchema.js';

/**
 * Version 1 of the file (statevisor 0.0.x): accounts in an object keyed by id, each with an
 * optional `disabled` flag instead of `enabled`, optional `settings`, and no supervision state.
 *
 * ```json
 * { "version": 1, "accounts": { "shop-42": { "disabled": true, "credentials": "…", "settings": {} } } }
 * ```
 */
const v1FileSchema = z.strictObject({
  version: z.literal(1),
  accounts: objectKeyedById,
});

type Migration = (file: string, document: Record<string, unknown>) => Record<string, unknown>;

/** `MIGRATIONS[n]` turns a version `n` document into a version `n + 1` document. */
const MIGRATIONS: Readonly<Record<number, Migration>> = { 1: v1ToV2 };

/**
 * Brings a parsed file up to {@link CURRENT_FILE_VERSION}. Records are converted but not
 * validated: a record that was bad in version 1 is reported (or skipped) like any other.
 *
 * @example
 * ```ts
 * const { document, migratedFrom } = migrateDocument(file, JSON.parse(text));
 * if (migratedFrom !== undefined) logger.info({ file, migratedFrom }, 'migrated');
 * ```
 * @throws StoreCorruptError without a usable `version`, or when the version is newer than this code.
 */
export function migrateDocument(file: string, parsed: unknown): { document: Record<string, unknown>; migratedFrom?: number } {
  if (!isPlainObject(parsed)) throw new StoreCorruptError(file, 'the top level is not a JSON object');
  const from = parsed.version;
  if (typeof from !== 'number' || !Number.isInteger(from) || from < 1) {
    throw new StoreCorruptError(file, 'field "version" is missing or not a positive integer; this is not a statevisor account store');
  }
  if (from > CURRENT_FILE_VERSION) {
    throw new StoreCorruptError(
      file,
      `it has format version ${from}, newer than this statevisor understands (${CURRENT_FILE_VERSION}); upgrade statevisor to open it`,
    );
  }
  let document = parsed;
  for (let v = from; v < CURRENT_FILE_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (!step) throw new StoreCorruptError(file, `no migration from format version ${v}`);
    document = step(file, document);
  }
  return from === CURRENT_FILE_VERSION ? { document } : { document, migratedFrom: from };
}

function v1ToV2(file: string, document: Record<string, unknown>): Record<string, unknown> {
  const parsed = v1FileSchema.safeParse(document);
  if (!parsed.success) {
    const { field, reason } = firstZodIssue(parsed.error);
    throw new StoreCorruptError(file, `version 1 field "${field}" ${reason}`);
  }
  const accounts = Object.entries(parsed.data.accounts).map(([id, record]) => (isPlainObject(record) ? v1Account(id, record) : record));
  return { version: 2, accounts, supervision: {} };
}

function v1Account(id: string, record: Record<string, unknown>): Record<string, unknown> {
  const { disabled, settings, id: _ignored, ...rest } = record;
  // A non-boolean `disabled` is carried over as is, so validation names it (as `enabled`).
  const enabled = disabled === undefined ? true : typeof disabled === 'boolean' ? !disabled : disabled;
  return { id, enabled, ...rest, settings: settings ?? {} };
}

/**
 * A non-null, non-array object.
 * @example
 * ```ts
 * isPlainObject({}); // true; isPlainObject([]) and isPlainObject(null) are false
 * ```
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
