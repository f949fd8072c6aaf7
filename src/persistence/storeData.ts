import type { Account } from '../account.js';
import type { SupervisionRecord } from './accountStore.js';
import { CURRENT_FILE_VERSION, type StoreFile } from './fileSchema.js';
import { recordById } from './recordById.js';
import type { SecretBox } from './secretBox.js';

/**
 * One record of the file as held in memory: a valid account (plaintext credentials) with a cache
 * of its stored form, or an invalid record kept verbatim (`skipInvalid`).
 */
export type AccountEntry =
  | { kind: 'valid'; account: Account; stored?: { box: SecretBox | undefined; record: Record<string, unknown> } }
  | { kind: 'invalid'; raw: unknown };

/** One supervision record in memory: valid, or kept verbatim. */
export type SupervisionEntry = { kind: 'valid'; record: SupervisionRecord } | { kind: 'invalid'; raw: unknown };

/**
 * What the store holds, in file order. Account keys are ids; an invalid account record is keyed
 * `"\u0000invalid:<index>"`, which no valid id can equal (ids have no control characters).
 */
export interface StoreData {
  accounts: Map<string, AccountEntry>;
  supervision: Map<string, SupervisionEntry>;
  /** Keys of invalid account records by the string id they carry: a `put`/`delete` of that id replaces them. */
  invalidKeysById: Map<string, readonly string[]>;
}

/** A change, applied in call order to the working copy at once and to a copy of the committed data at commit. */
export type StoreOp = (data: StoreData) => void;

/**
 * Removes the invalid records carrying `id` (they are being replaced or deleted).
 * @example
 * ```ts
 * const op: StoreOp = (data) => { dropInvalidRecords(data, id); data.accounts.set(id, entry); };
 * ```
 */
export function dropInvalidRecords(data: StoreData, id: string): void {
  const keys = data.invalidKeysById.get(id);
  if (!keys) return;
  for (const key of keys) data.accounts.delete(key);
  data.invalidKeysById.delete(id);
}

/**
 * Key of the invalid account record at `index` in the file.
 * @example
 * ```ts
 * data.accounts.set(invalidKey(4), { kind: 'invalid', raw });
 * ```
 */
export function invalidKey(index: number): string {
  return `\u0000invalid:${index}`;
}

/**
 * An empty {@link StoreData}.
 * @example
 * ```ts
 * const data = emptyData(); // no file yet
 * ```
 */
export function emptyData(): StoreData {
  return { accounts: new Map(), supervision: new Map(), invalidKeysById: new Map() };
}

/**
 * A copy of the maps; entries are shared (they are only replaced, never changed, except for the
 * cache of their stored form).
 * @example
 * ```ts
 * const working = copyData(committed);
 * ```
 */
export function copyData(data: StoreData): StoreData {
  return { accounts: new Map(data.accounts), supervision: new Map(data.supervision), invalidKeysById: new Map(data.invalidKeysById) };
}

/**
 * `ops` applied in order to a copy of `base`.
 * @example
 * ```ts
 * const next = applyOps(committed, batch); // committed itself is unchanged
 * ```
 */
export function applyOps(base: StoreData, ops: readonly StoreOp[]): StoreData {
  const next = copyData(base);
  for (const op of ops) op(next);
  return next;
}

/**
 * The file for `data`: valid accounts with credentials encrypted when `box` is given, invalid
 * records exactly as they were read.
 *
 * @example
 * ```ts
 * await adapter.write(encodeDocument(committed, box));
 * ```
 */
export function encodeDocument(data: StoreData, box: SecretBox | undefined): StoreFile {
  const accounts: unknown[] = [];
  for (const entry of data.accounts.values()) accounts.push(entry.kind === 'valid' ? storedAccount(entry, box) : entry.raw);
  const supervision = recordById([...data.supervision].map(([id, entry]) => [id, entry.kind === 'valid' ? entry.record : entry.raw] as const));
  return { version: CURRENT_FILE_VERSION, ...(box ? { encryption: box.header } : {}), accounts, supervision };
}

function storedAccount(entry: AccountEntry & { kind: 'valid' }, box: SecretBox | undefined): Record<string, unknown> {
  if (entry.stored && entry.stored.box === box) return entry.stored.record;
  const { account } = entry;
  const record: Record<string, unknown> =
    account.credentials === undefined || !box
      ? { ...account }
      : { ...account, credentials: box.encrypt(account.credentials, credentialContext(account.id)) };
  entry.stored = { box, record };
  return record;
}

/**
 * The additional authenticated data binding an encrypted credential to its account.
 * @example
 * ```ts
 * box.encrypt(token, credentialContext('shop-42'));
 * ```
 */
export function credentialContext(id: string): string {
  return `statevisor:account:${id}`;
}
