import type { Account } from '../account.js';
import { checkAccountRecord } from '../accountSchema.js';
import { InvalidAccountError } from '../errors.js';
import type { SupervisionRecord } from './accountStore.js';
import { firstZodIssue, supervisionRecordSchema } from './fileSchema.js';

/**
 * The account exactly as the file will hold it (a JSON round trip: `undefined` fields gone, dates
 * as strings), validated with the stored-record schema. Refusing here keeps one bad call from
 * failing a whole group commit, and keeps the file loadable.
 *
 * @example
 * ```ts
 * const stored = normalizeAccount({ id: 'a', enabled: true, settings: { since: new Date() } }); // settings.since is a string
 * ```
 * @throws InvalidAccountError naming the field.
 */
export function normalizeAccount(account: Account): Account {
  const checked = checkAccountRecord(jsonCopy(account, '(account)'));
  if (!checked.ok) throw new InvalidAccountError(checked.field, checked.reason);
  return checked.account;
}

/**
 * A supervision record as the file will hold it, validated.
 * @example
 * ```ts
 * normalizeSupervision({ restartHistory: [], restarts: 0 });
 * ```
 * @throws InvalidAccountError naming the field as `supervision.<field>`.
 */
export function normalizeSupervision(record: SupervisionRecord): SupervisionRecord {
  const parsed = supervisionRecordSchema.safeParse(jsonCopy(record, 'supervision'));
  if (parsed.success) return parsed.data;
  const { field, reason } = firstZodIssue(parsed.error);
  throw new InvalidAccountError(`supervision.${field}`, reason);
}

function jsonCopy(value: unknown, field: string): unknown {
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    throw new InvalidAccountError(field, 'must be JSON-serialisable (no BigInt, no circular references)');
  }
}
