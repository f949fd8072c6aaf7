import { StatevisorError } from '../errors.js';

/**
 * A request the control API refuses, with its HTTP status. Its `code` and `message` are what the
 * client sees: `{ "error": { "code", "message", "field"? } }`.
 *
 * @example
 * ```ts
 * throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'The body must be application/json.');
 * ```
 */
export class HttpError extends StatevisorError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly field?: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(code, message, { retryable: status >= 500 });
  }
}

/**
 * `createControlApi()` was asked to listen on a non-loopback host without an explicitly
 * configured token: a generated token sitting in a data directory is not a secret you chose to
 * expose to a network. Configure `api.token` (or `STATEVISOR_API_TOKEN`) or bind 127.0.0.1.
 *
 * @example
 * ```ts
 * await createControlApi({ supervisor, host: '0.0.0.0', dataDir: './data' }); // rejects with this
 * ```
 */
export class ApiInsecureBindError extends StatevisorError {
  constructor(readonly host: string) {
    super(
      'API_INSECURE_BIND',
      `Refusing to serve the control API on non-loopback host "${host}" without an explicitly configured token. ` +
        'Set api.token (or STATEVISOR_API_TOKEN, at least 16 characters), or bind 127.0.0.1.',
      { retryable: false },
    );
  }
}

/**
 * The control API (or the inspection relay) could not listen, for example because the port is taken.
 *
 * @example
 * ```ts
 * try { await createControlApi({ supervisor, port: 7070, dataDir }); }
 * catch (e) { if (e instanceof ApiListenError) console.error(e.message); }
 * ```
 */
export class ApiListenError extends StatevisorError {
  constructor(readonly host: string, readonly port: number, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const hint = code === 'EADDRINUSE' ? ': the port is in use (another statevisor?). Choose another port' : '';
    super('API_LISTEN_FAILED', `Cannot listen on ${host}:${port} (${code ?? String(cause)})${hint}.`, { cause, retryable: false });
  }
}

/**
 * The API token file exists but cannot be used (unreadable, or too short to be a token).
 *
 * @example
 * ```ts
 * await loadOrCreateToken('./data'); // rejects with this if ./data/api-token holds "abc"
 * ```
 */
export class ApiTokenError extends StatevisorError {
  constructor(readonly file: string, detail: string) {
    super('API_TOKEN_INVALID', `The API token file "${file}" cannot be used: ${detail}. Delete it to have a new token generated.`, { retryable: false });
  }
}
