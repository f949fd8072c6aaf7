import path from 'node:path';
import type { Adapter } from 'lowdb';
import { pino } from 'pino';
import { StoreSecretError } from '../errors.js';
import type { StoreFile } from './fileSchema.js';

/** Where the daemon keeps its accounts when no file is given, relative to the working directory. */
export const DEFAULT_DATA_FILE = './data/statevisor.json';

/**
 * The few logger methods the store calls; a pino `Logger` fits. The store never passes
 * credentials or record contents to it: only file names, record ids, field names and reasons.
 */
export interface StoreLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * Options of {@link lowdbStore}. Every default is listed in {@link LOWDB_STORE_DEFAULTS}.
 *
 * @example
 * ```ts
 * const store = await lowdbStore({ file: './data/statevisor.json', secret: process.env.STATEVISOR_SECRET, watch: true });
 * ```
 */
export interface LowdbStoreOptions {
  /** The JSON data file. Default {@link DEFAULT_DATA_FILE}; its directory is created (mode 0700) if missing. */
  file?: string;
  /**
   * Encrypts `credentials` at rest (AES-256-GCM, key derived with scrypt from this secret and a
   * per-file salt). Default: none, credentials are stored as given. Must not be empty.
   */
  secret?: string;
  /** Skip (log, keep verbatim in the file, never return) invalid records instead of refusing to open. Default `false`. */
  skipInvalid?: boolean;
  /** Watch the file for changes made by other programs and reload them (see `onExternalChange`). Default `false`. */
  watch?: boolean;
  /** Quiet time after the last file event before an external change is checked. Default 100 ms. */
  watchDebounceMs?: number;
  /** Bound on every file operation (lock, read, each write, close); a write that exceeds it fails. Default 30 000 ms. */
  ioTimeoutMs?: number;
  /** Where warnings (skipped records) and errors (failed reloads) go. Default: pino to stdout at `info`. */
  logger?: StoreLogger;
  /**
   * The lowdb adapter doing the reads and writes. Default: the durable file adapter on `file`.
   * For tests (counting or failing writes); it must keep the acknowledged-means-durable promise.
   */
  adapter?: Adapter<StoreFile>;
}

/** The defaults of {@link LowdbStoreOptions}, in one place. */
export const LOWDB_STORE_DEFAULTS = Object.freeze({
  file: DEFAULT_DATA_FILE,
  skipInvalid: false,
  watch: false,
  watchDebounceMs: 100,
  ioTimeoutMs: 30_000,
});

/** {@link LowdbStoreOptions} with defaults applied and `file` made absolute. */
export interface ResolvedStoreOptions {
  file: string;
  secret: string | undefined;
  skipInvalid: boolean;
  watch: boolean;
  watchDebounceMs: number;
  ioTimeoutMs: number;
  logger: StoreLogger;
  adapter: Adapter<StoreFile> | undefined;
}

/**
 * Applies {@link LOWDB_STORE_DEFAULTS}.
 * @example
 * ```ts
 * resolveStoreOptions({}).file; // absolute path of ./data/statevisor.json
 * ```
 * @throws StoreSecretError for an empty `secret` (an unset variable must not silently mean "no encryption").
 */
export function resolveStoreOptions(options: LowdbStoreOptions): ResolvedStoreOptions {
  const file = path.resolve(options.file ?? LOWDB_STORE_DEFAULTS.file);
  if (options.secret !== undefined && options.secret.length === 0) {
    throw new StoreSecretError(file, 'the secret is empty');
  }
  return {
    file,
    secret: options.secret,
    skipInvalid: options.skipInvalid ?? LOWDB_STORE_DEFAULTS.skipInvalid,
    watch: options.watch ?? LOWDB_STORE_DEFAULTS.watch,
    watchDebounceMs: options.watchDebounceMs ?? LOWDB_STORE_DEFAULTS.watchDebounceMs,
    ioTimeoutMs: options.ioTimeoutMs ?? LOWDB_STORE_DEFAULTS.ioTimeoutMs,
    logger: options.logger ?? pino({ name: 'statevisor', level: 'info' }).child({ component: 'store' }),
    adapter: options.adapter,
  };
}
