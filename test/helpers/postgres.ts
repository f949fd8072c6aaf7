import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The local server the tests use (`.ci/setup.d/10-postgres.sh` starts it): trust auth for `postgres`. */
export const PG_URL = process.env.STATEVISOR_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A fresh schema name for one test, and a `drop()` that removes it with everything in it.
 * Each test its own schema: tests of different files (and helpers) never see each other's rows.
 */
export function freshSchema(prefix = 't'): { schema: string; drop: () => Promise<void> } {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  return { schema, drop: async () => void (await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)) };
}

/** Runs one statement on its own short-lived connection (bounded). */
export async function adminQuery(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000, query_timeout: 10_000 });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}
