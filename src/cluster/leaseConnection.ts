import pg from 'pg';
import { LeaseDeadlineError } from './errors.js';

/**
 * The dedicated connection for lease and membership queries, separate from the store's pool so a
 * pool busy with writes never delays a renewal. Every query has a hard client-side deadline
 * (the lesson of @effect/cluster issue 6508: a lock refresh that hung forever let one entity run on
 * two runners): when it passes, the query is abandoned, the socket destroyed, and the next
 * query opens a new connection. A server-side `statement_timeout` of the same length is set too.
 *
 * It also LISTENs on the channels it is given, re-subscribing after every reconnect (node-postgres
 * does not), and reports each (re)connect so the owner can reconcile what it may have missed.
 *
 * @example
 * ```ts
 * const conn = new LeaseConnection({ connectionString, deadlineMs: 2_000, channels: ['statevisor_leases'], onNotify, onConnect });
 * const { rows } = await conn.query('renew', 'UPDATE statevisor.shard_leases SET expires_at = now() + $3::interval WHERE shard = $1 AND epoch = $2 RETURNING shard', [7, 3, '15 seconds']);
 * await conn.close();
 * ```
 */
export class LeaseConnection {
  #client: pg.Client | undefined;
  #connecting: Promise<pg.Client> | undefined;
  #closed = false;
  /** One query at a time on the connection (node-postgres 9 drops its internal queue); each waits for the previous to settle. */
  #tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly o: {
      connectionString: string;
      deadlineMs: number;
      channels?: readonly string[];
      onNotify?: (channel: string, payload: string | undefined) => void;
      /** After each successful (re)connect, once LISTEN is in place. */
      onConnect?: () => void;
      onError?: (e: unknown) => void;
    },
  ) {}

  /** Runs `text` within the deadline (connecting first if needed). @throws LeaseDeadlineError, driver errors. */
  query<R extends pg.QueryResultRow>(what: string, text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    const run = this.#tail.then(() => this.#run<R>(what, text, values));
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #run<R extends pg.QueryResultRow>(what: string, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    const started = performance.now();
    const client = await this.#bounded(this.#connect(), what, this.o.deadlineMs);
    const left = Math.max(1, this.o.deadlineMs - (performance.now() - started));
    return this.#bounded(client.query<R>(text, values), what, left);
  }

  /** Whether a connection is open now. */
  get connected(): boolean {
    return this.#client !== undefined;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client ?? (await this.#connecting?.catch(() => undefined));
    this.#client = undefined;
    if (client) await this.#bounded(client.end(), 'closing the lease connection', this.o.deadlineMs).catch(() => this.#destroy(client));
  }

  /** Drops the current connection at once (no goodbye to the server); the next query reconnects. */
  reset(): void {
    const client = this.#client;
    this.#client = undefined;
    if (client) this.#destroy(client);
  }

  async #bounded<T>(promise: Promise<T>, what: string, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LeaseDeadlineError(what, Math.round(ms))), ms);
    });
    try {
      return await Promise.race([promise, deadline]);
    } catch (e) {
      // Whatever failed (deadline, broken socket), this connection is not trusted again.
      this.reset();
      promise.catch(() => undefined);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  #connect(): Promise<pg.Client> {
    if (this.#closed) return Promise.reject(new Error('the lease connection is closed'));
    if (this.#client) return Promise.resolve(this.#client);
    return (this.#connecting ??= this.#open().finally(() => (this.#connecting = undefined)));
  }

  async #open(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.o.connectionString,
      connectionTimeoutMillis: this.o.deadlineMs,
      statement_timeout: this.o.deadlineMs,
      keepAlive: true,
      application_name: 'statevisor-leases',
    });
    client.on('error', (e) => {
      if (this.#client === client) this.#client = undefined;
      this.#destroy(client);
      this.o.onError?.(e);
    });
    client.on('notification', (n) => this.o.onNotify?.(n.channel, n.payload));
    try {
      await client.connect();
      for (const channel of this.o.channels ?? []) await client.query(`LISTEN "${channel}"`);
    } catch (e) {
      this.#destroy(client);
      throw e;
    }
    if (this.#closed) {
      this.#destroy(client);
      throw new Error('the lease connection is closed');
    }
    this.#client = client;
    this.o.onConnect?.();
    return client;
  }

  #destroy(client: pg.Client): void {
    client.removeAllListeners('notification');
    client.on('error', () => undefined);
    // node-postgres has no public "destroy": end() waits for the server, which may be unreachable.
    const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
    stream?.destroy();
    client.end().catch(() => undefined);
  }
}
