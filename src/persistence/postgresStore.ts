import pg from 'pg';
import type { Account } from '../account.js';
import { checkAccountRecord } from '../accountSchema.js';
import { StatevisorError, StoreSecretError, StoreWriteError } from '../errors.js';
import type { AccountStore, SupervisionRecord } from './accountStore.js';
import { LeaseLostError, type Fence } from './fence.js';
import { encryptionHeaderSchema, supervisionRecordSchema } from './fileSchema.js';
import { normalizeAccount, normalizeSupervision } from './normalizeRecords.js';
import { DatabaseUnavailableError, describe } from './postgresErrors.js';
import { migrate } from './postgresMigrations.js';
import { checkPostgresOptions, POSTGRES_STORE_DEFAULTS, whereOf, type PostgresStoreOptions } from './postgresOptions.js';
import { SecretBox } from './secretBox.js';
import { credentialContext } from './storeData.js';
import { withTimeout } from './timeout.js';
import { pino } from 'pino';

/** The {@link AccountStore} on PostgreSQL, with what cluster mode needs to see of it. */
export interface PostgresStore extends AccountStore {
  /** `host:port/database (schema s)`: safe to show. */
  readonly where: string;
  /** The quoted schema, for the cluster's own queries on its tables. */
  readonly quotedSchema: string;
  /** The pool store writes use (cluster mode keeps a separate connection for leases). */
  readonly pool: pg.Pool;
  /** Fenced writes the database refused (`LEASE_LOST`) since the store opened. */
  rejectedWrites(): number;
  /**
   * Cluster mode: asks the account's owner for a restart by bumping the account's restart-request
   * counter (committed, with `NOTIFY` on the store's channel in the same statement). Resolves
   * `false` when no such account exists.
   */
  requestRestart(id: string): Promise<boolean>;
  /** The restart-request counter of every account that has one above 0 (or of `id` only). */
  restartRequests(id?: string): Promise<Map<string, number>>;
}

/**
 * Opens the account store on PostgreSQL: connects, applies the schema's migrations (one
 * transaction under `pg_advisory_xact_lock`, so nodes starting together do not race; a schema
 * newer than this code is refused), checks or creates the encryption header, and resolves to an
 * {@link AccountStore} that behaves like the lowdb store:
 *
 * - Acknowledged means committed: a mutating call resolves after PostgreSQL committed it.
 * - Credentials are encrypted with the lowdb store's scheme (AES-256-GCM, key from scrypt of the
 *   secret and a salt kept in `meta`, each value bound to its account id).
 * - Invalid input is refused with `InvalidAccountError` before anything is sent.
 * - Every query is bounded (`query_timeout` on the client, `statement_timeout` on the server).
 * - With `fence`, supervision writes carry the account's `{ shard, owner, epoch }` and the
 *   database applies them only while that lease row is unchanged, else `LeaseLostError`.
 *
 * @example
 * ```ts
 * const store = await postgresStore({ connectionString: process.env.STATEVISOR_DATABASE_URL, secret: process.env.STATEVISOR_SECRET });
 * const supervisor = createSupervisor({ store, worker });
 * ```
 * @throws DatabaseUnavailableError (cannot connect), StoreVersionTooNewError, StoreSecretError.
 */
export async function postgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  checkPostgresOptions(options);
  const schema = options.schema ?? POSTGRES_STORE_DEFAULTS.schema;
  const where = `${whereOf(options.connectionString)} (schema ${schema})`;
  const queryTimeoutMs = options.queryTimeoutMs ?? POSTGRES_STORE_DEFAULTS.queryTimeoutMs;
  const owned = options.pool === undefined;
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? POSTGRES_STORE_DEFAULTS.poolSize,
      connectionTimeoutMillis: options.connectTimeoutMs ?? POSTGRES_STORE_DEFAULTS.connectTimeoutMs,
      query_timeout: queryTimeoutMs,
      statement_timeout: queryTimeoutMs,
      keepAlive: true,
      application_name: 'statevisor',
    });
  const logger = options.logger ?? pino({ name: 'statevisor', level: 'info' }).child({ component: 'store' });
  // An idle pooled connection that breaks emits 'error' on the pool; unhandled, it would crash the process.
  const onPoolError = (e: Error): void => logger.warn({ where, err: describe(e) }, 'statevisor store: a pooled PostgreSQL connection failed; it is replaced on next use');
  pool.on('error', onPoolError);
  try {
    const box = await prepare(pool, schema, where, options.secret, queryTimeoutMs);
    return new PgAccountStore(pool, owned, onPoolError, `"${schema}"`, where, box, options, queryTimeoutMs, logger).toStore();
  } catch (e) {
    pool.off('error', onPoolError);
    if (owned) await withTimeout(pool.end(), queryTimeoutMs, 'closing the pool').catch(() => undefined);
    throw e;
  }
}

async function prepare(pool: pg.Pool, schema: string, where: string, secret: string | undefined, timeoutMs: number): Promise<SecretBox | undefined> {
  let client: pg.PoolClient;
  try {
    client = await withTimeout(pool.connect(), timeoutMs, `connecting to ${where}`);
  } catch (e) {
    throw new DatabaseUnavailableError(where, e);
  }
  try {
    const quoted = `"${schema}"`;
    await migrate(client, quoted, schema, where);
    return await encryptionBox(client, quoted, where, secret);
  } catch (e) {
    if (e instanceof StatevisorError) throw e;
    throw new DatabaseUnavailableError(where, e);
  } finally {
    client.release();
  }
}

/** The schema's box: checked against its header, or created (and existing credentials encrypted) on first use of a secret. */
async function encryptionBox(client: pg.PoolClient, s: string, where: string, secret: string | undefined): Promise<SecretBox | undefined> {
  const header = await readHeader(client, s, where);
  if (header) {
    if (secret === undefined) throw new StoreSecretError(where, 'its credentials are encrypted and no secret was given');
    return SecretBox.open(secret, header, where);
  }
  if (secret === undefined) return undefined;
  const fresh = await SecretBox.create(secret);
  await client.query('BEGIN');
  try {
    const inserted = await client.query(`INSERT INTO ${s}.meta (key, value) VALUES ('encryption', $1) ON CONFLICT (key) DO NOTHING`, [JSON.stringify(fresh.header)]);
    if (inserted.rowCount === 0) {
      // Another node created the header at the same moment: use theirs.
      await client.query('ROLLBACK');
      const theirs = await readHeader(client, s, where);
      return SecretBox.open(secret, theirs!, where);
    }
    const plain = await client.query<{ id: string; credentials: string }>(`SELECT id, record->>'credentials' AS credentials FROM ${s}.accounts WHERE record ? 'credentials' FOR UPDATE`);
    for (const row of plain.rows) {
      await client.query(`UPDATE ${s}.accounts SET record = jsonb_set(record, '{credentials}', to_jsonb($2::text)) WHERE id = $1`, [row.id, fresh.encrypt(row.credentials, credentialContext(row.id))]);
    }
    await client.query('COMMIT');
    return fresh;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

async function readHeader(client: pg.PoolClient, s: string, where: string) {
  const row = (await client.query<{ value: unknown }>(`SELECT value FROM ${s}.meta WHERE key = 'encryption'`)).rows[0];
  if (!row) return undefined;
  const parsed = encryptionHeaderSchema.safeParse(row.value);
  if (!parsed.success) throw new StoreSecretError(where, 'its encryption header in the meta table is malformed');
  return parsed.data;
}

class PgAccountStore {
  #closing: Promise<void> | undefined;
  #rejected = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly owned: boolean,
    private readonly onPoolError: (e: Error) => void,
    private readonly s: string,
    private readonly where: string,
    private readonly box: SecretBox | undefined,
    private readonly o: PostgresStoreOptions,
    private readonly timeoutMs: number,
    private readonly logger: NonNullable<PostgresStoreOptions['logger']>,
  ) {}

  toStore(): PostgresStore {
    return {
      where: this.where,
      quotedSchema: this.s,
      pool: this.pool,
      rejectedWrites: () => this.#rejected,
      requestRestart: (id) => this.#requestRestart(id),
      restartRequests: (id) => this.#restartRequests(id),
      loadAll: () => this.#loadAll(),
      get: (id) => this.#get(id),
      put: (account) => this.#put(account),
      delete: (id) => this.#delete(id),
      loadSupervision: () => this.#loadSupervision(),
      saveSupervision: (id, record) => this.#saveSupervision(id, record),
      close: () => (this.#closing ??= this.#close()),
    };
  }

  /** One bounded query; driver failures become `StoreWriteError` for writes and `DatabaseUnavailableError` for reads. */
  async #query<R extends pg.QueryResultRow>(text: string, values: unknown[], kind: 'read' | 'write'): Promise<pg.QueryResult<R>> {
    if (this.#closing) throw new StoreWriteError(this.where, new Error('the store is closed'));
    try {
      // The pool's own query_timeout bounds it when the store made the pool; this bounds a caller's pool too.
      return await withTimeout(this.pool.query<R>(text, values), this.timeoutMs + 1_000, `a query on ${this.where}`);
    } catch (e) {
      throw kind === 'write' ? new StoreWriteError(this.where, e) : new DatabaseUnavailableError(this.where, e);
    }
  }

  async #loadAll(): Promise<Account[]> {
    const { rows } = await this.#query<{ record: unknown }>(`SELECT record FROM ${this.s}.accounts ORDER BY seq`, [], 'read');
    const out: Account[] = [];
    for (const row of rows) {
      const account = this.#decode(row.record);
      if (account) out.push(account);
    }
    return out;
  }

  async #get(id: string): Promise<Account | undefined> {
    const { rows } = await this.#query<{ record: unknown }>(`SELECT record FROM ${this.s}.accounts WHERE id = $1`, [id], 'read');
    return rows[0] ? this.#decode(rows[0].record) : undefined;
  }

  /** A stored row as an account with plaintext credentials; an invalid row is logged and skipped (never returned). */
  #decode(record: unknown): Account | undefined {
    const r = record as Record<string, unknown> | null;
    const id = typeof r?.id === 'string' ? r.id : '(no id)';
    let plain: unknown = record;
    if (r && typeof r.credentials === 'string' && this.box) {
      const credentials = this.box.decrypt(r.credentials, credentialContext(id));
      if (credentials === undefined) {
        this.logger.warn({ where: this.where, id, field: 'credentials' }, 'statevisor store: skipped an account whose credentials do not decrypt with this secret');
        return undefined;
      }
      plain = { ...r, credentials };
    }
    const checked = checkAccountRecord(plain);
    if (checked.ok) return checked.account;
    this.logger.warn({ where: this.where, id, field: checked.field, reason: checked.reason }, 'statevisor store: skipped an invalid account row; it stays in the table unchanged');
    return undefined;
  }

  async #put(account: Account): Promise<void> {
    const stored = normalizeAccount(account);
    const record = stored.credentials !== undefined && this.box ? { ...stored, credentials: this.box.encrypt(stored.credentials, credentialContext(stored.id)) } : stored;
    const upsert = `INSERT INTO ${this.s}.accounts (id, record) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record, updated_at = now()`;
    const channel = this.o.notifyChannel;
    if (channel === undefined) await this.#query(upsert, [stored.id, JSON.stringify(record)], 'write');
    else await this.#query(`WITH w AS (${upsert} RETURNING id) SELECT pg_notify($3, id) FROM w`, [stored.id, JSON.stringify(record), channel], 'write');
  }

  async #delete(id: string): Promise<void> {
    await this.#query(
      `WITH a AS (DELETE FROM ${this.s}.accounts WHERE id = $1), s AS (DELETE FROM ${this.s}.supervision WHERE id = $1), st AS (DELETE FROM ${this.s}.account_status WHERE id = $1)
       SELECT CASE WHEN $2::text IS NULL THEN NULL ELSE pg_notify($2::text, $1) END`,
      [id, this.o.notifyChannel ?? null],
      'write',
    );
  }

  async #requestRestart(id: string): Promise<boolean> {
    const { rows } = await this.#query<{ id: string }>(
      `WITH w AS (UPDATE ${this.s}.accounts SET restart_requests = restart_requests + 1 WHERE id = $1 RETURNING id)
       SELECT w.id, CASE WHEN $2::text IS NULL THEN NULL ELSE pg_notify($2::text, w.id) END FROM w`,
      [id, this.o.notifyChannel ?? null],
      'write',
    );
    return rows.length > 0;
  }

  async #restartRequests(id: string | undefined): Promise<Map<string, number>> {
    const { rows } =
      id === undefined
        ? await this.#query<{ id: string; n: string }>(`SELECT id, restart_requests AS n FROM ${this.s}.accounts WHERE restart_requests > 0`, [], 'read')
        : await this.#query<{ id: string; n: string }>(`SELECT id, restart_requests AS n FROM ${this.s}.accounts WHERE id = $1 AND restart_requests > 0`, [id], 'read');
    return new Map(rows.map((r) => [r.id, Number(r.n)]));
  }

  async #loadSupervision(): Promise<Record<string, SupervisionRecord>> {
    const { rows } = await this.#query<{ id: string; record: unknown }>(`SELECT id, record FROM ${this.s}.supervision`, [], 'read');
    const out: Record<string, SupervisionRecord> = {};
    for (const row of rows) {
      const parsed = supervisionRecordSchema.safeParse(row.record);
      if (parsed.success) Object.defineProperty(out, row.id, { value: parsed.data, enumerable: true, writable: true, configurable: true });
      else this.logger.warn({ where: this.where, id: row.id }, 'statevisor store: skipped an invalid supervision row');
    }
    return out;
  }

  async #saveSupervision(id: string, record: SupervisionRecord | undefined): Promise<void> {
    const stored = record && normalizeSupervision(record);
    const fence = this.o.fence?.(id);
    if (!fence) {
      if (stored) await this.#query(`INSERT INTO ${this.s}.supervision (id, record) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record`, [id, JSON.stringify(stored)], 'write');
      else await this.#query(`DELETE FROM ${this.s}.supervision WHERE id = $1`, [id], 'write');
      return;
    }
    // The lease row is locked FOR SHARE in the same statement: a takeover (which updates that row)
    // waits for this write, and this write re-checks the row after a takeover committed.
    const lease = `lease AS (SELECT 1 FROM ${this.s}.shard_leases WHERE shard = $3 AND owner = $4 AND epoch = $5 FOR SHARE)`;
    const change = stored
      ? `w AS (INSERT INTO ${this.s}.supervision (id, record) SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM lease) ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record)`
      : `w AS (DELETE FROM ${this.s}.supervision WHERE id = $1 AND $2::jsonb IS NULL AND EXISTS (SELECT 1 FROM lease))`;
    const { rows } = await this.#query<{ held: string }>(`WITH ${lease}, ${change} SELECT count(*) AS held FROM lease`, [id, stored ? JSON.stringify(stored) : null, fence.shard, fence.owner, fence.epoch], 'write');
    if (Number(rows[0]?.held ?? 0) === 0) this.#reject(id, fence);
  }

  #reject(id: string, fence: Fence): never {
    this.#rejected++;
    throw new LeaseLostError(id, fence);
  }

  async #close(): Promise<void> {
    this.pool.off('error', this.onPoolError);
    if (this.owned) await withTimeout(this.pool.end(), this.timeoutMs, `closing the pool of ${this.where}`).catch(() => undefined);
  }
}
