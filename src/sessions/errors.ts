/**
 * Why a WebSocket session ended. Each error's `retryable` tells the supervisor whether a restart
 * can help: a dropped connection can, a rejected token or a ban cannot.
 */
import { StatevisorError } from '../errors.js';

/**
 * The connection (TCP + WebSocket upgrade) did not open within `connectTimeoutMs`. Retryable.
 *
 * @example
 * ```ts
 * if (e instanceof ConnectTimeoutError) console.log(e.timeoutMs);
 * ```
 */
export class ConnectTimeoutError extends StatevisorError {
  constructor(readonly timeoutMs: number) {
    super('CONNECT_TIMEOUT', `The WebSocket did not open within connectTimeoutMs (${timeoutMs} ms). Check the URL and the network.`);
  }
}

/**
 * The connection could not be opened (refused, DNS failure, HTTP error on upgrade). Retryable.
 *
 * @example
 * ```ts
 * if (e instanceof ConnectError) console.log(e.cause);
 * ```
 */
export class ConnectError extends StatevisorError {
  constructor(cause: unknown) {
    super('CONNECT_FAILED', `The WebSocket could not connect (${describe(cause)}).`, { cause });
  }
}

/**
 * The platform did not answer `register` with `registered` within `registerTimeoutMs`. Retryable.
 *
 * @example
 * ```ts
 * if (e instanceof RegisterTimeoutError) console.log(e.timeoutMs);
 * ```
 */
export class RegisterTimeoutError extends StatevisorError {
  constructor(readonly timeoutMs: number) {
    super('REGISTER_TIMEOUT', `The platform did not confirm registration within registerTimeoutMs (${timeoutMs} ms).`);
  }
}

/**
 * No pong or no heartbeat ack within `heartbeatTimeoutMs`: the connection is dead or half-open
 * and was terminated. Retryable.
 *
 * @example
 * ```ts
 * if (e instanceof HeartbeatTimeoutError) metrics.increment('half_open');
 * ```
 */
export class HeartbeatTimeoutError extends StatevisorError {
  constructor(readonly timeoutMs: number, readonly missing: 'pong' | 'ack' | 'pong and ack') {
    super('HEARTBEAT_TIMEOUT', `No ${missing} within heartbeatTimeoutMs (${timeoutMs} ms): the connection was presumed dead and terminated.`);
  }
}

/**
 * The platform closed the session with close code 4001: the token is not valid for this account.
 * Not retryable: fix the account's credentials, then resume it.
 *
 * @example
 * ```ts
 * if (e instanceof CredentialsRejectedError) notifyOwner(accountId);
 * ```
 */
export class CredentialsRejectedError extends StatevisorError {
  constructor() {
    super('CREDENTIALS_REJECTED', 'The platform rejected the account credentials (close code 4001). Update them with `statevisor accounts update <id> --credentials-env VAR`, then resume the account with `statevisor accounts restart <id>`.', { retryable: false });
  }
}

/**
 * The platform closed the session with close code 4003: the account is banned. Not retryable.
 *
 * @example
 * ```ts
 * if (e instanceof AccountBannedError) disableAccount(accountId);
 * ```
 */
export class AccountBannedError extends StatevisorError {
  constructor() {
    super('ACCOUNT_BANNED', 'The platform reports the account as banned (close code 4003). Restarting will not help; contact the platform.', { retryable: false });
  }
}

/**
 * The platform closed the session with close code 4002: this client broke the protocol. Not
 * retryable, since the same client would break it again.
 *
 * @example
 * ```ts
 * if (e instanceof ProtocolViolationError) reportBug(e.reason);
 * ```
 */
export class ProtocolViolationError extends StatevisorError {
  constructor(readonly reason: string) {
    super('PROTOCOL_VIOLATION', `The platform closed the session for a protocol violation (close code 4002${reason ? `: ${reason}` : ''}). This is a client bug; restarting will not help.`, { retryable: false });
  }
}

/**
 * The session closed for any other reason (server drop, server going away, TCP reset). Retryable.
 * `closeCode` is the WebSocket close code (1006 when the TCP connection died without a close frame).
 *
 * @example
 * ```ts
 * if (e instanceof SessionClosedError && e.closeCode === 1001) log.info('platform restarting');
 * ```
 */
export class SessionClosedError extends StatevisorError {
  constructor(readonly closeCode: number, readonly reason: string) {
    super('SESSION_CLOSED', `The platform closed the session (close code ${closeCode}${reason ? `: ${reason}` : ''}).`);
  }
}

/**
 * `account.settings` cannot drive the default keyword replies (for example an invalid `/regex/`).
 * Not retryable: fix the settings, then resume the account.
 *
 * @example
 * ```ts
 * if (e instanceof InvalidSessionSettingsError) console.log(e.field);
 * ```
 */
export class InvalidSessionSettingsError extends StatevisorError {
  constructor(readonly field: string, reason: string) {
    super('INVALID_SESSION_SETTINGS', `Invalid account settings: field "${field}" ${reason}. Fix them with \`statevisor accounts update <id> --settings …\`, then resume the account with \`statevisor accounts restart <id>\`.`, { retryable: false });
  }
}

/**
 * The session URL cannot be used (not a `ws:`/`wss:` URL). Not retryable: fix the `url` option.
 *
 * @example
 * ```ts
 * if (e instanceof InvalidSessionUrlError) console.log(e.message);
 * ```
 */
export class InvalidSessionUrlError extends StatevisorError {
  constructor(cause: unknown) {
    // The URL itself is left out of the message: users sometimes put secrets in query strings.
    super('INVALID_SESSION_URL', 'The session URL is not a valid ws:// or wss:// URL. Fix the url option of websocketSession().', { cause, retryable: false });
  }
}

function describe(cause: unknown): string {
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return String(cause);
}

/**
 * The session was fenced (its `canSend` guard said no) and the task was not cancelled within
 * {@link FENCED_WAIT_MS}. Retryable; in cluster mode the node cancels fenced accounts at once, so
 * this only surfaces if that failed.
 *
 * @example
 * ```ts
 * if (e instanceof StatevisorError && e.code === 'SESSION_FENCED') log.warn('fenced session was not cancelled');
 * ```
 */
export class SessionFencedError extends StatevisorError {
  constructor(waitedMs: number) {
    super('SESSION_FENCED', `The session stopped sending because its guard (canSend) refused, and the task was not cancelled within ${waitedMs} ms. In cluster mode, check \`statevisor cluster\` for who holds the account.`);
  }
}

/** How long a fenced session waits for its cancellation before failing with {@link SessionFencedError}. */
export const FENCED_WAIT_MS = 30_000;
