/**
 * Account stores: where the supervisor keeps accounts and supervision state between processes.
 *
 * @example
 * ```ts
 * import { lowdbStore, DEFAULT_DATA_FILE } from 'statevisor';
 * const store = await lowdbStore({ file: DEFAULT_DATA_FILE, secret: process.env.STATEVISOR_SECRET });
 * ```
 */
export type { AccountStore, SupervisionRecord } from './accountStore.js';
export { memoryStore } from './memoryStore.js';
export { lowdbStore } from './lowdbStore.js';
export { DEFAULT_DATA_FILE, LOWDB_STORE_DEFAULTS, type LowdbStoreOptions, type StoreLogger } from './lowdbOptions.js';
export { StoreInvalidRecordsError, type RecordIssue } from './decodeDocument.js';
export { durableFileAdapter } from './durableFileAdapter.js';
export { CURRENT_FILE_VERSION, type StoreFile } from './fileSchema.js';
export { postgresStore, type PostgresStore, type RestartRequestCount } from './postgresStore.js';
export { POSTGRES_STORE_DEFAULTS, type PostgresStoreOptions } from './postgresOptions.js';
export { CURRENT_SCHEMA_VERSION } from './postgresMigrations.js';
export { DatabaseUnavailableError, StoreVersionTooNewError } from './postgresErrors.js';
export { LeaseLostError, type Fence, type FenceProvider } from './fence.js';
