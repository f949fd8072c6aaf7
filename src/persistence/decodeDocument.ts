import { checkAccountRecord } from '../accountSchema.js';
import { StoreCorruptError, StoreSecretError } from '../errors.js';
import { firstZodIssue, storeFileSchema, supervisionRecordSchema, type StoreFile } from './fileSchema.js';
import { isPlainObject, migrateDocument } from './migrations.js';
import { ENCRYPTED_PREFIX, SecretBox } from './secretBox.js';
import { credentialContext, emptyData, invalidKey, type AccountEntry, type StoreData } from './storeData.js';

/** One invalid record: which one, which field, and why. Never carries the record's values. */
export interface RecordIssue {
  /** `account` or `supervision`. */
  kind: 'account' | 'supervision';
  /** The record's id, if it has a string one. */
  id: string | undefined;
  /** Position in the file's `accounts` array (accounts only). */
  index?: number;
  field: string;
  reason: string;
}

/**
 * A store file with invalid records, opened without `skipInvalid`. `issues` lists every one.
 *
 * @example
 * ```ts
 * try { await lowdbStore({ file: 'data/statevisor.json' }); }
 * catch (e) { if (e instanceof StoreInvalidRecordsError) for (const i of e.issues) console.log(i.id, i.field, i.reason); }
 * ```
 */
export class StoreInvalidRecordsError extends StoreCorruptError {
  constructor(
    file: string,
    readonly issues: readonly RecordIssue[],
  ) {
    super(file, `${issues.length} invalid record(s): ${issues.map(describeIssue).join('; ')}. Fix them, or skip them: start the daemon with --skip-invalid (the skipInvalid option of lowdbStore()); skipped records stay in the file unchanged`);
  }
}

/**
 * One line naming the record, the field and the reason.
 * @example
 * ```ts
 * describeIssue({ kind: 'account', id: 'a', index: 3, field: 'enabled', reason: 'must be true or false' });
 * // 'account "a" (#3): field "enabled" must be true or false'
 * ```
 */
export function describeIssue(issue: RecordIssue): string {
  const name = issue.id === undefined ? 'with no valid id' : JSON.stringify(issue.id);
  const where = issue.kind === 'account' ? `account ${name} (#${issue.index ?? '?'})` : `supervision record ${name}`;
  return `${where}: field "${issue.field}" ${issue.reason}`;
}

/** A decoded file, ready to become the store's committed data. */
export interface DecodedDocument {
  data: StoreData;
  box: SecretBox | undefined;
  issues: RecordIssue[];
  migratedFrom: number | undefined;
  /** The file must be rewritten now: created, migrated, or gaining encryption. */
  needsRewrite: boolean;
}

/** What decoding needs besides the parsed file. */
export interface DecodeContext {
  file: string;
  secret: string | undefined;
  skipInvalid: boolean;
  /** The box in use, reused when the file's header has not changed (saves a key derivation). */
  currentBox?: SecretBox | undefined;
}

/**
 * Turns a parsed file (`null`: no file) into store data: migrates it, validates its shape and
 * every record, and decrypts credentials.
 *
 * @example
 * ```ts
 * const decoded = await decodeDocument(await adapter.read(), { file, secret, skipInvalid: false });
 * ```
 * @throws StoreCorruptError (bad shape, newer version), StoreInvalidRecordsError (bad records
 * without `skipInvalid`), StoreSecretError (wrong or missing secret).
 */
export async function decodeDocument(parsed: unknown, ctx: DecodeContext): Promise<DecodedDocument> {
  if (parsed === null) {
    const box = ctx.secret === undefined ? undefined : await SecretBox.create(ctx.secret);
    return { data: emptyData(), box, issues: [], migratedFrom: undefined, needsRewrite: true };
  }
  const { document, migratedFrom } = migrateDocument(ctx.file, parsed);
  const result = storeFileSchema.safeParse(document);
  if (!result.success) {
    const { field, reason } = firstZodIssue(result.error);
    throw new StoreCorruptError(ctx.file, `field "${field}" ${reason}`);
  }
  const box = await openBox(result.data, ctx);
  const decoded = decodeRecords(result.data, box);
  if (decoded.issues.length > 0 && !ctx.skipInvalid) throw new StoreInvalidRecordsError(ctx.file, decoded.issues);
  const needsRewrite = migratedFrom !== undefined || (box !== undefined && holdsPlaintext(decoded.data)) || (box !== undefined && !result.data.encryption);
  return { ...decoded, box, migratedFrom, needsRewrite };
}

async function openBox(file: StoreFile, ctx: DecodeContext): Promise<SecretBox | undefined> {
  const header = file.encryption;
  if (header && ctx.secret === undefined) {
    throw new StoreSecretError(ctx.file, 'its credentials are encrypted and no secret was given');
  }
  if (ctx.secret === undefined) return undefined;
  if (!header) return SecretBox.create(ctx.secret);
  if (ctx.currentBox && JSON.stringify(ctx.currentBox.header) === JSON.stringify(header)) return ctx.currentBox;
  return SecretBox.open(ctx.secret, header, ctx.file);
}

function decodeRecords(file: StoreFile, box: SecretBox | undefined): Pick<DecodedDocument, 'data' | 'issues'> {
  const data = emptyData();
  const issues: RecordIssue[] = [];
  file.accounts.forEach((raw, index) => {
    const entry = decodeAccount(raw, box, data);
    if (entry.kind === 'valid') {
      data.accounts.set(entry.account.id, entry);
      return;
    }
    const id = isPlainObject(raw) && typeof raw.id === 'string' ? raw.id : undefined;
    issues.push({ kind: 'account', id, index, field: entry.field, reason: entry.reason });
    data.accounts.set(invalidKey(index), { kind: 'invalid', raw });
    if (id !== undefined) data.invalidKeysById.set(id, [...(data.invalidKeysById.get(id) ?? []), invalidKey(index)]);
  });
  for (const [id, raw] of Object.entries(file.supervision)) {
    const parsed = supervisionRecordSchema.safeParse(raw);
    if (parsed.success) {
      data.supervision.set(id, { kind: 'valid', record: parsed.data });
    } else {
      data.supervision.set(id, { kind: 'invalid', raw });
      issues.push({ kind: 'supervision', id, ...firstZodIssue(parsed.error) });
    }
  }
  return { data, issues };
}

/** Some valid account has no cached stored form: its credentials are plaintext and a secret is set. */
function holdsPlaintext(data: StoreData): boolean {
  for (const entry of data.accounts.values()) if (entry.kind === 'valid' && !entry.stored) return true;
  return false;
}

type DecodedAccount = (AccountEntry & { kind: 'valid' }) | { kind: 'invalid'; field: string; reason: string };

function decodeAccount(raw: unknown, box: SecretBox | undefined, sofar: StoreData): DecodedAccount {
  const checked = checkAccountRecord(raw);
  if (!checked.ok) return { kind: 'invalid', field: checked.field, reason: checked.reason };
  const account = checked.account;
  if (sofar.accounts.has(account.id)) return { kind: 'invalid', field: 'id', reason: 'repeats the id of an earlier record' };
  const stored = account.credentials;
  const verbatim = raw as Record<string, unknown>;
  if (!box || stored === undefined) return { kind: 'valid', account, stored: { box, record: verbatim } };
  // Plaintext in a file with a secret (gaining encryption, or edited by hand): no cached stored form, so it is encrypted at the next write.
  if (!stored.startsWith(ENCRYPTED_PREFIX)) return { kind: 'valid', account };
  const credentials = box.decrypt(stored, credentialContext(account.id));
  if (credentials === undefined) {
    return { kind: 'invalid', field: 'credentials', reason: 'cannot be decrypted: it was altered, or copied from another account' };
  }
  return { kind: 'valid', account: { ...account, credentials }, stored: { box, record: verbatim } };
}
