import { StatevisorError } from '../errors.js';

/**
 * PostgreSQL could not be reached (refused, timed out, DNS) when the store opened or a read ran.
 * The message names host and port, never the password.
 *
 * @example
 * ```ts
 * try { await postgresStore({ connectionString: 'postgres://postgres@127.0.0.1:5432/statevisor' }); }
 * catch (e) { if (e instanceof DatabaseUnavailableError) process.exit(2); }
 * ```
 */
export class DatabaseUnavailableError extends StatevisorError {
  constructor(
    readonly where: string,
    cause: unknown,
  ) {
    super(
      'DATABASE_UNAVAILABLE',
      `PostgreSQL at ${where} cannot be reached (${describe(cause)}). Check that the server runs and that --database-url (or STATEVISOR_DATABASE_URL) names the right host and port.`,
      { cause, retryable: true },
    );
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * The database schema was migrated by a newer statevisor than this one: this code does not know
 * its tables and refuses to touch them.
 *
 * @example
 * ```ts
 * try { await postgresStore({ connectionString: 'postgres://postgres@127.0.0.1:5432/statevisor' }); }
 * catch (e) { if (e instanceof StatevisorError && e.code === 'STORE_VERSION_TOO_NEW') console.error(e.message); }
 * ```
 */
export class StoreVersionTooNewError extends StatevisorError {
  constructor(where: string, found: number, known: number) {
    super(
      'STORE_VERSION_TOO_NEW',
      `The statevisor schema at ${where} is at version ${found}, newer than this statevisor knows (${known}). Upgrade statevisor on this node; nothing was changed.`,
      { retryable: false },
    );
    this.name = 'StoreVersionTooNewError';
  }
}

/** A short, credential-free description of a driver error. */
export function describe(cause: unknown): string {
  if (cause instanceof AggregateError && cause.errors.length > 0) return describe(cause.errors[0]);
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}
