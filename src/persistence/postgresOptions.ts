import type { Pool } from 'pg';
import { StoreSecretError } from '../errors.js';
import type { FenceProvider } from './fence.js';
import type { StoreLogger } from './lowdbOptions.js';

/**
 * Options of {@link postgresStore}. Give `connectionString` (the store owns a pool and ends it on
 * `close()`) or `pool` (yours: the store never ends it).
 *
 * @example
 * ```ts
 * const store = await postgresStore({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres', secret: process.env.STATEVISOR_SECRET });
 * ```
 */
export interface PostgresStoreOptions {
  connectionString?: string;
  pool?: Pool;
  /** Encrypts `credentials` at rest exactly as the lowdb store does (AES-256-GCM, scrypt key, salt kept in the schema's `meta`). */
  secret?: string;
  /** The PostgreSQL schema holding statevisor's tables (created if missing). Default `statevisor`. */
  schema?: string;
  /** Bound on each query, client side (`query_timeout`) and server side (`statement_timeout`). Default 10 000 ms. */
  queryTimeoutMs?: number;
  /** Bound on opening a connection. Default 5 000 ms. */
  connectTimeoutMs?: number;
  /** Pool size when the store owns the pool. Default 10. */
  poolSize?: number;
  /** Cluster mode: the fence each supervision write carries (see {@link FenceProvider}). Default: no fencing. */
  fence?: FenceProvider;
  /**
   * Cluster mode: after each committed `put` or `delete`, `NOTIFY` this channel with the account
   * id, in the same statement (so a listener hears of a change only once it is committed).
   * Default: no notification.
   */
  notifyChannel?: string;
  /** Where warnings go (skipped invalid rows, pool errors). Default: pino at `info`. */
  logger?: StoreLogger;
}

/** The defaults of {@link PostgresStoreOptions}. */
export const POSTGRES_STORE_DEFAULTS = Object.freeze({ schema: 'statevisor', queryTimeoutMs: 10_000, connectTimeoutMs: 5_000, poolSize: 10 });

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Checks the schema name (a plain lower-case identifier, so it can be quoted into SQL safely) and
 * the secret.
 * @example
 * ```ts
 * checkPostgresOptions({ schema: 'statevisor' }); // ok
 * ```
 * @throws StoreSecretError for an empty secret; Error for a bad schema name or no connection.
 */
export function checkPostgresOptions(o: PostgresStoreOptions): void {
  const schema = o.schema ?? POSTGRES_STORE_DEFAULTS.schema;
  if (!SCHEMA_NAME.test(schema)) throw new Error(`postgresStore: schema "${schema}" must be a lower-case identifier (a-z, 0-9, _; at most 63 characters)`);
  if (o.connectionString === undefined && o.pool === undefined) throw new Error('postgresStore: give connectionString or pool');
  if (o.secret !== undefined && o.secret.length === 0) throw new StoreSecretError(`PostgreSQL schema ${schema}`, 'the secret is empty');
}

/**
 * `host:port/database` of a connection string, without user or password: what errors and logs may show.
 * @example
 * ```ts
 * whereOf('postgres://u:pw@db:5433/app'); // 'db:5433/app'
 * ```
 */
export function whereOf(connectionString: string | undefined): string {
  if (connectionString === undefined) return 'the given pool';
  try {
    const url = new URL(connectionString);
    return `${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname && url.pathname !== '/' ? url.pathname : ''}`;
  } catch {
    return '(unparsable connection string)';
  }
}
