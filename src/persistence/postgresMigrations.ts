import type { PoolClient } from 'pg';
import { StoreVersionTooNewError } from './postgresErrors.js';

/**
 * The schema's versions, oldest first. Each is applied once, in one transaction with the version
 * row, so a database is always at exactly one version. Never edit a released entry: add one.
 * Version 1 holds the store (accounts, supervision, meta) and the cluster's tables (nodes, shard
 * leases, published statuses), so every node of a cluster agrees on one schema version; version 2
 * adds the accounts' restart-request counter.
 */
const MIGRATIONS: readonly { version: number; statements: (s: string) => string[] }[] = [
  {
    version: 1,
    statements: (s) => [
      `CREATE TABLE ${s}.accounts (id text PRIMARY KEY, seq bigint GENERATED ALWAYS AS IDENTITY, record jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
      `CREATE INDEX accounts_seq ON ${s}.accounts (seq)`,
      `CREATE TABLE ${s}.supervision (id text PRIMARY KEY, record jsonb NOT NULL)`,
      `CREATE TABLE ${s}.meta (key text PRIMARY KEY, value jsonb NOT NULL)`,
      `CREATE TABLE ${s}.nodes (id text PRIMARY KEY, incarnation text NOT NULL, started_at timestamptz NOT NULL DEFAULT now(),
         heartbeat_at timestamptz NOT NULL DEFAULT now(), expires_at timestamptz NOT NULL, draining boolean NOT NULL DEFAULT false)`,
      `CREATE TABLE ${s}.shard_leases (shard integer PRIMARY KEY, owner text, epoch bigint NOT NULL DEFAULT 0,
         expires_at timestamptz NOT NULL DEFAULT '-infinity', clean boolean NOT NULL DEFAULT true)`,
      `CREATE TABLE ${s}.account_status (id text PRIMARY KEY, node text NOT NULL, status jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
    ],
  },
  {
    // Restart requests from any node (cluster mode): a counter the API of any node bumps and the
    // owner compares with the last value it applied, so a lost notification delays a restart
    // until the next reconcile but never loses it. Not part of the account's record: bumping it
    // changes no configuration.
    version: 2,
    statements: (s) => [`ALTER TABLE ${s}.accounts ADD COLUMN restart_requests bigint NOT NULL DEFAULT 0`],
  },
];

/** The schema version this code writes. */
export const CURRENT_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings schema `s` (already quoted) to {@link CURRENT_SCHEMA_VERSION} inside one transaction
 * holding `pg_advisory_xact_lock` for this schema: two nodes starting together queue on the lock,
 * and the second sees the first's committed version. A schema newer than the code is refused.
 *
 * @example
 * ```ts
 * const applied = await migrate(client, '"statevisor"', 'statevisor', '127.0.0.1:5432');
 * ```
 * @returns the versions applied now (empty when already current).
 * @throws StoreVersionTooNewError; any driver error (the transaction is rolled back).
 */
export async function migrate(client: PoolClient, quoted: string, schema: string, where: string): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey(schema)]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${quoted}.schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    const found = Number((await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${quoted}.schema_version`)).rows[0]?.v ?? 0);
    if (found > CURRENT_SCHEMA_VERSION) throw new StoreVersionTooNewError(`${where} (schema ${schema})`, found, CURRENT_SCHEMA_VERSION);
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (m.version <= found) continue;
      for (const sql of m.statements(quoted)) await client.query(sql);
      await client.query(`INSERT INTO ${quoted}.schema_version (version) VALUES ($1)`, [m.version]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** A stable 63-bit key per schema name (FNV-1a 64), so different schemas migrate independently. */
function lockKey(schema: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(`statevisor:migrate:${schema}`, 'utf8')) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return (h & 0x7fffffffffffffffn).toString();
}
