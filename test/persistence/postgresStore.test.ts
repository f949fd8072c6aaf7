import net from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { CURRENT_SCHEMA_VERSION, postgresStore, type PostgresStore } from '../../src/persistence/index.js';
import { adminQuery, freshSchema, PG_URL } from '../helpers/postgres.js';
import { account, captureLogger } from './helpers.js';

describe('postgresStore', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const schemaForTest = (): string => {
    const s = freshSchema('pgstore');
    cleanups.push(s.drop);
    return s.schema;
  };
  const opened = async (p: Promise<PostgresStore>): Promise<PostgresStore> => {
    const store = await p;
    cleanups.push(() => store.close());
    return store;
  };

  it('two nodes opening a new schema at once: migrations run once, under the advisory lock', async () => {
    const schema = schemaForTest();
    const stores = await Promise.all([1, 2, 3].map(() => opened(postgresStore({ connectionString: PG_URL, schema }))));
    expect(stores).toHaveLength(3);
    const versions = await adminQuery(`SELECT version FROM "${schema}".schema_version ORDER BY version`);
    // Each version once, in order (not twice: three stores opened the schema together).
    expect(versions.rows.map((r: { version: number }) => r.version)).toEqual(Array.from({ length: CURRENT_SCHEMA_VERSION }, (_, i) => i + 1));
  });

  it('refuses a schema newer than the code, changing nothing', async () => {
    const schema = schemaForTest();
    await (await postgresStore({ connectionString: PG_URL, schema })).close();
    await adminQuery(`INSERT INTO "${schema}".schema_version (version) VALUES ($1)`, [CURRENT_SCHEMA_VERSION + 1]);
    const error = await postgresStore({ connectionString: PG_URL, schema }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE_VERSION_TOO_NEW' });
    expect((error as Error).message).toContain(`version ${CURRENT_SCHEMA_VERSION + 1}`);
  });

  it('credentials are encrypted at rest (enc:v1, bound to the account); a secret added later encrypts the existing ones', async () => {
    const schema = schemaForTest();
    const plain = await postgresStore({ connectionString: PG_URL, schema });
    await plain.put(account('old', { credentials: 'tok-old' }));
    await plain.close();
    const logger = captureLogger();
    const store = await opened(postgresStore({ connectionString: PG_URL, schema, secret: 'k', logger }));
    await store.put(account('new', { credentials: 'tok-new' }));
    const rows = (await adminQuery(`SELECT id, record->>'credentials' AS c FROM "${schema}".accounts ORDER BY seq`)).rows as { id: string; c: string }[];
    expect(rows.map((r) => r.id)).toEqual(['old', 'new']);
    for (const r of rows) {
      expect(r.c).toMatch(/^enc:v1:/);
      expect(r.c).not.toContain('tok');
    }
    // A ciphertext copied onto another account does not decrypt there: that row is skipped, not misread.
    await adminQuery(`UPDATE "${schema}".accounts SET record = jsonb_set(record, '{credentials}', to_jsonb($1::text)) WHERE id = 'new'`, [rows[0]!.c]);
    expect((await store.loadAll()).map((a) => [a.id, a.credentials])).toEqual([['old', 'tok-old']]);
    expect(logger.lines).toEqual([expect.objectContaining({ level: 'warn', obj: expect.objectContaining({ id: 'new', field: 'credentials' }) as unknown })]);
    expect(JSON.stringify(logger.lines)).not.toContain('enc:v1');
  });

  it('an unreachable server fails the open with DATABASE_UNAVAILABLE naming host and port, never the password', async () => {
    const closed = await new Promise<number>((resolve) => {
      const srv = net.createServer();
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as net.AddressInfo;
        srv.close(() => resolve(port));
      });
    });
    const error = await postgresStore({ connectionString: `postgres://postgres:hunter2@127.0.0.1:${closed}/postgres`, connectTimeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect((error as Error).message).toContain(`127.0.0.1:${closed}`);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('every query is bounded: a write blocked behind a lock fails within the query timeout instead of hanging', async () => {
    const schema = schemaForTest();
    const store = await opened(postgresStore({ connectionString: PG_URL, schema, queryTimeoutMs: 500 }));
    await store.put(account('a'));
    const pg = await import('pg');
    const blocker = new pg.default.Client({ connectionString: PG_URL });
    await blocker.connect();
    cleanups.push(() => blocker.end());
    await blocker.query('BEGIN');
    await blocker.query(`SELECT 1 FROM "${schema}".accounts WHERE id = 'a' FOR UPDATE`);
    const started = Date.now();
    await expect(store.put(account('a', { enabled: false }))).rejects.toMatchObject({ code: 'STORE_WRITE_FAILED' });
    expect(Date.now() - started).toBeLessThan(5_000);
    await blocker.query('ROLLBACK');
    expect((await store.get('a'))!.enabled).toBe(true);
  });

  it('fenced supervision writes apply only under the exact lease; a stale epoch gets LEASE_LOST and is counted', async () => {
    const schema = schemaForTest();
    let fence = { shard: 3, owner: 'node-a', epoch: 1 };
    const store = await opened(postgresStore({ connectionString: PG_URL, schema, fence: () => fence }));
    await adminQuery(`INSERT INTO "${schema}".shard_leases (shard, owner, epoch, expires_at) VALUES (3, 'node-a', 1, now() + interval '1 minute')`);
    await store.saveSupervision('x', { restartHistory: [], restarts: 1 });
    // Another node takes the shard over: the epoch moves on.
    await adminQuery(`UPDATE "${schema}".shard_leases SET owner = 'node-b', epoch = 2 WHERE shard = 3`);
    await expect(store.saveSupervision('x', { restartHistory: [], restarts: 2 })).rejects.toMatchObject({ code: 'LEASE_LOST' });
    await expect(store.saveSupervision('x', undefined)).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect(store.rejectedWrites()).toBe(2);
    expect(await store.loadSupervision()).toEqual({ x: { restartHistory: [], restarts: 1 } });
    fence = { shard: 3, owner: 'node-b', epoch: 2 };
    await store.saveSupervision('x', undefined);
    expect(await store.loadSupervision()).toEqual({});
  });

  it('a restart request bumps the account\'s counter and notifies its id once committed; the record is untouched; an unknown account is refused', async () => {
    const schema = schemaForTest();
    const channel = `restarts_${schema}`;
    const store = await opened(postgresStore({ connectionString: PG_URL, schema, notifyChannel: channel }));
    await store.put(account('r1'));
    await store.put(account('r2'));
    const listener = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 });
    await listener.connect();
    cleanups.push(() => listener.end());
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.payload ?? ''));
    await listener.query(`LISTEN "${channel}"`);
    expect(await store.restartRequests()).toEqual(new Map());
    expect(await store.requestRestart('r1')).toBe(true);
    expect(await store.requestRestart('r1')).toBe(true);
    expect(await store.requestRestart('nobody')).toBe(false);
    expect(await store.restartRequests()).toEqual(new Map([['r1', 2]]));
    expect(await store.restartRequests('r2')).toEqual(new Map());
    expect(await store.get('r1')).toEqual(account('r1'));
    const deadline = Date.now() + 5_000;
    while (heard.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(heard).toEqual(['r1', 'r1']);
  });
});
