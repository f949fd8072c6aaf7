import { mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { Low } from 'lowdb';
import type { Account } from '../account.js';
import { StatevisorError, StoreCorruptError, StoreWriteError } from '../errors.js';
import type { AccountStore, SupervisionRecord } from './accountStore.js';
import { decodeDocument, describeIssue, type DecodedDocument, type RecordIssue } from './decodeDocument.js';
import { DATA_FILE_MODE, durableFileAdapter, syncDirectory, writeFileDurably } from './durableFileAdapter.js';
import { CURRENT_FILE_VERSION, type StoreFile } from './fileSchema.js';
import { sameStamp, stampOf, watchFileDebounced, type DebouncedWatch, type FileStamp } from './fileWatcher.js';
import { GroupCommit } from './groupCommit.js';
import { resolveStoreOptions, type LowdbStoreOptions, type ResolvedStoreOptions } from './lowdbOptions.js';
import { normalizeAccount, normalizeSupervision } from './normalizeRecords.js';
import { recordById } from './recordById.js';
import type { SecretBox } from './secretBox.js';
import { makePrivate } from './privateMode.js';
import { acquireStoreLock, type StoreLock } from './storeLock.js';
import { applyOps, copyData, dropInvalidRecords, encodeDocument, type StoreData, type StoreOp } from './storeData.js';
import { withTimeout } from './timeout.js';

/**
 * Opens the account store kept in one JSON file with lowdb: reads and validates the file
 * (migrating older versions, decrypting credentials), takes its lock, and resolves to an
 * {@link AccountStore}. Opening is asynchronous so that every problem (corrupt file, wrong
 * secret, lock held) surfaces here, before the supervisor starts.
 *
 * - Acknowledged means durable: a mutating call resolves once its change is fsynced (temp file,
 *   fsync, rename, directory fsync). Changes made in the same moment share one write (group commit).
 * - A failed write rejects every call in it with `StoreWriteError`; memory goes back to what is on
 *   disk, and the next write is tried normally.
 * - Reads see pending changes (read-your-writes). Mutations after `close()` reject with `StoreWriteError`.
 * - With `secret`, credentials are AES-256-GCM encrypted in the file. A plain file opened with a
 *   secret is rewritten encrypted at once (as is a migrated file, after a `.v<n>.bak` backup).
 * - `onExternalChange` exists only with `watch: true`.
 * - An existing file open to other users is made 0600, its directory 0700 (logged; see `makePrivate`).
 *
 * @example
 * ```ts
 * const store = await lowdbStore({ file: DEFAULT_DATA_FILE, secret: process.env.STATEVISOR_SECRET, watch: true });
 * await store.put({ id: 'shop-42', enabled: true, settings: {} }); // on disk when this resolves
 * await store.close();
 * ```
 * @throws StoreLockedError, StorePermissionError, StoreCorruptError (incl. `StoreInvalidRecordsError`), StoreSecretError, StoreWriteError.
 */
export async function lowdbStore(options: LowdbStoreOptions = {}): Promise<AccountStore> {
  const o = await resolveDirectory(resolveStoreOptions(options));
  await makePrivate(o.file, path.dirname(o.file), o.logger, o.ioTimeoutMs);
  const lock = await acquireStoreLock(o.file, o.ioTimeoutMs);
  try {
    return (await LowdbAccountStore.open(o, lock)).toAccountStore();
  } catch (e) {
    await lock.release().catch(() => undefined);
    throw e;
  }
}

/** Creates the file's directory (mode 0700) and resolves symlinks in it, so one file has one lock path. */
async function resolveDirectory(o: ResolvedStoreOptions): Promise<ResolvedStoreOptions> {
  const dir = path.dirname(o.file);
  try {
    const created = await withTimeout(mkdir(dir, { recursive: true, mode: 0o700 }), o.ioTimeoutMs, `creating ${dir}`);
    if (created !== undefined) await withTimeout(syncNewDirectories(created, dir), o.ioTimeoutMs, `syncing ${created}`);
    return { ...o, file: path.join(await withTimeout(realpath(dir), o.ioTimeoutMs, `resolving ${dir}`), path.basename(o.file)) };
  } catch (e) {
    throw new StoreWriteError(o.file, e);
  }
}

/** New directories' entries must be durable too, or the first acknowledged write could vanish with them. */
async function syncNewDirectories(firstCreated: string, dir: string): Promise<void> {
  for (let d = dir; ; d = path.dirname(d)) {
    await syncDirectory(path.dirname(d));
    if (d === firstCreated || d === path.dirname(d)) return;
  }
}

/** Stands for "no file" while reading: lowdb keeps `data` unchanged when the adapter returns `null`. */
const MISSING: StoreFile = Object.freeze({ version: CURRENT_FILE_VERSION, accounts: [], supervision: {} });

class LowdbAccountStore {
  #committed!: StoreData;
  #working!: StoreData;
  #box: SecretBox | undefined;
  #stamp: FileStamp | undefined;
  #physicalTail: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;
  #watch: DebouncedWatch | undefined;
  readonly #listeners = new Set<() => void>();
  readonly #committer = new GroupCommit<StoreOp>({
    commit: (ops) => this.#commit(ops),
    onFailure: () => this.#rollBack(),
    toCallerError: (e) => (e instanceof StoreWriteError ? e : new StoreWriteError(this.o.file, e)),
  });

  private constructor(
    private readonly o: ResolvedStoreOptions,
    private readonly lock: StoreLock,
    private readonly low: Low<StoreFile>,
    decoded: DecodedDocument,
  ) {
    this.#install(decoded);
  }

  static async open(o: ResolvedStoreOptions, lock: StoreLock): Promise<LowdbAccountStore> {
    const low = new Low<StoreFile>(o.adapter ?? durableFileAdapter(o.file), MISSING);
    // Stamped before reading: a change racing the read is seen again by the watcher, never missed.
    const stamp = o.watch ? await withTimeout(stampOf(o.file), o.ioTimeoutMs, `checking ${o.file}`) : undefined;
    const parsed = await readParsed(low, o);
    const decoded = await decodeDocument(parsed, { file: o.file, secret: o.secret, skipInvalid: o.skipInvalid });
    logSkipped(o, decoded.issues);
    const store = new LowdbAccountStore(o, lock, low, decoded);
    store.#stamp = stamp;
    if (decoded.migratedFrom !== undefined) await backUpBeforeMigration(o, parsed, decoded.migratedFrom);
    if (decoded.needsRewrite) await store.#mutate(() => undefined);
    if (o.watch) store.#startWatching();
    return store;
  }

  /** The public face: `onExternalChange` only when watching. */
  toAccountStore(): AccountStore {
    const store: AccountStore = {
      loadAll: async () => this.#loadAll(),
      get: async (id) => this.#get(id),
      put: async (account) => this.#put(account),
      delete: async (id) => this.#delete(id),
      loadSupervision: async () => this.#loadSupervision(),
      saveSupervision: async (id, record) => this.#saveSupervision(id, record),
      refresh: async () => void (await this.#committer.exclusive(() => this.#reloadIfChanged())),
      close: () => (this.#closing ??= this.#shutdown()),
    };
    if (this.o.watch) store.onExternalChange = (listener) => this.#subscribe(listener);
    return store;
  }

  #loadAll(): Account[] {
    const out: Account[] = [];
    for (const entry of this.#working.accounts.values()) if (entry.kind === 'valid') out.push(structuredClone(entry.account));
    return out;
  }

  #get(id: string): Account | undefined {
    const entry = this.#working.accounts.get(id);
    return entry?.kind === 'valid' ? structuredClone(entry.account) : undefined;
  }

  #put(account: Account): Promise<void> {
    const stored = normalizeAccount(account);
    const entry = { kind: 'valid', account: stored } as const;
    return this.#mutate((data) => {
      dropInvalidRecords(data, stored.id);
      data.accounts.set(stored.id, entry);
    });
  }

  #delete(id: string): Promise<void> {
    return this.#mutate((data) => {
      dropInvalidRecords(data, id);
      data.accounts.delete(id);
      data.supervision.delete(id);
    });
  }

  #loadSupervision(): Record<string, SupervisionRecord> {
    const out: [string, SupervisionRecord][] = [];
    for (const [id, entry] of this.#working.supervision) if (entry.kind === 'valid') out.push([id, structuredClone(entry.record)]);
    return recordById(out);
  }

  #saveSupervision(id: string, record: SupervisionRecord | undefined): Promise<void> {
    const stored = record && normalizeSupervision(record);
    return this.#mutate((data) => {
      if (stored) data.supervision.set(id, { kind: 'valid', record: stored });
      else data.supervision.delete(id);
    });
  }

  /** Applies `op` to memory now and resolves when a write holding it is durable. */
  #mutate(op: StoreOp): Promise<void> {
    if (this.#closing) return Promise.reject(new StoreWriteError(this.o.file, new Error('the store is closed')));
    op(this.#working);
    return this.#committer.add(op);
  }

  /** One group commit: the committed data plus `ops`, written; committed only once durable. */
  async #commit(ops: readonly StoreOp[]): Promise<void> {
    const next = applyOps(this.#committed, ops);
    await this.#writePhysical(encodeDocument(next, this.#box));
    this.#committed = next;
  }

  /**
   * Writes through lowdb, bounded by `ioTimeoutMs`. A write that times out is reported failed but
   * may still finish: the next one starts only after it settles, so two never share the temp file.
   */
  #writePhysical(document: StoreFile): Promise<void> {
    const physical = this.#physicalTail.then(async () => {
      this.low.data = document;
      await this.low.write();
      if (this.o.watch) this.#stamp = await stampOf(this.o.file).catch(() => undefined);
    });
    this.#physicalTail = physical.catch(() => undefined);
    return withTimeout(physical, this.o.ioTimeoutMs, `writing ${this.o.file}`);
  }

  /** After a failed write: memory = what is on disk + the changes still waiting for a write. */
  #rollBack(): void {
    this.#working = applyOps(this.#committed, this.#committer.queued());
  }

  #install(decoded: DecodedDocument): void {
    this.#committed = decoded.data;
    this.#box = decoded.box;
    this.#working = copyData(this.#committed);
    for (const op of this.#committer.queued()) op(this.#working);
  }

  #startWatching(): void {
    this.#watch = watchFileDebounced(this.o.file, this.o.watchDebounceMs, () => void this.#onFileEvent(), this.o.logger);
  }

  #subscribe(listener: () => void): () => void {
    const wrapped = (): void => listener();
    this.#listeners.add(wrapped);
    return () => this.#listeners.delete(wrapped);
  }

  async #onFileEvent(): Promise<void> {
    try {
      if (await this.#committer.exclusive(() => this.#reloadIfChanged())) this.#notify();
    } catch (e) {
      this.o.logger.error(
        { file: this.o.file, err: describeError(e) },
        'statevisor store: the data file was changed on disk but cannot be loaded; keeping the data in memory (the next write replaces the file)',
      );
    }
  }

  /** Runs between commits: re-reads the file if its stamp is not the one of our last write. */
  async #reloadIfChanged(): Promise<boolean> {
    if (this.#closing) return false;
    const stamp = await withTimeout(stampOf(this.o.file), this.o.ioTimeoutMs, `checking ${this.o.file}`);
    if (sameStamp(stamp, this.#stamp)) return false;
    const parsed = stamp === undefined ? null : await readParsed(this.low, this.o);
    if (parsed === null) {
      this.o.logger.warn({ file: this.o.file }, 'statevisor store: the data file was removed; the next write recreates it');
      return false;
    }
    const decoded = await decodeDocument(parsed, { file: this.o.file, secret: this.o.secret, skipInvalid: this.o.skipInvalid, currentBox: this.#box });
    logSkipped(this.o, decoded.issues);
    this.#install(decoded);
    this.#stamp = stamp;
    if (decoded.migratedFrom !== undefined) await backUpBeforeMigration(this.o, parsed, decoded.migratedFrom);
    if (decoded.needsRewrite) this.#mutate(() => undefined).catch((e: unknown) => this.#logRewriteFailure(e));
    return true;
  }

  #logRewriteFailure(e: unknown): void {
    this.o.logger.error({ file: this.o.file, err: describeError(e) }, 'statevisor store: rewriting the reloaded file failed');
  }

  #notify(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (e) {
        this.o.logger.error({ file: this.o.file, err: describeError(e) }, 'statevisor store: an onExternalChange listener threw');
      }
    }
  }

  async #shutdown(): Promise<void> {
    this.#watch?.close();
    this.#listeners.clear();
    await this.#committer.flush();
    await withTimeout(this.#physicalTail, this.o.ioTimeoutMs, `finishing writes to ${this.o.file}`).catch(() => undefined);
    await this.lock.release();
  }
}

/** The parsed file (`null` if there is none), bounded; read errors become `StoreCorruptError`. */
async function readParsed(low: Low<StoreFile>, o: ResolvedStoreOptions): Promise<unknown> {
  try {
    low.data = MISSING;
    await withTimeout(low.read(), o.ioTimeoutMs, `reading ${o.file}`);
    return low.data === MISSING ? null : low.data;
  } catch (e) {
    if (e instanceof StatevisorError) throw e;
    throw new StoreCorruptError(o.file, `it cannot be read (${describeError(e)})`);
  }
}

async function backUpBeforeMigration(o: ResolvedStoreOptions, parsed: unknown, from: number): Promise<void> {
  const backup = `${o.file}.v${from}.bak`;
  try {
    await withTimeout(writeFileDurably(backup, `${JSON.stringify(parsed, null, 2)}\n`), o.ioTimeoutMs, `writing ${backup}`);
  } catch (e) {
    throw new StoreWriteError(backup, e);
  }
  o.logger.info({ file: o.file, from, to: CURRENT_FILE_VERSION, backup, mode: DATA_FILE_MODE.toString(8) }, 'statevisor store: migrating the data file');
}

function logSkipped(o: ResolvedStoreOptions, issues: readonly RecordIssue[]): void {
  for (const issue of issues) {
    o.logger.warn(
      { file: o.file, record: issue.kind, id: issue.id, index: issue.index, field: issue.field, reason: issue.reason },
      `statevisor store: skipped invalid ${describeIssue(issue)}; it stays in the file unchanged`,
    );
  }
}

function describeError(e: unknown): string {
  if (e instanceof Error) return (e as NodeJS.ErrnoException).code && !(e instanceof StatevisorError) ? `${(e as NodeJS.ErrnoException).code}: ${e.message}` : e.message;
  return String(e);
}
