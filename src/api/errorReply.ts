import { InvalidAccountError, StatevisorError } from '../errors.js';
import { HttpError } from './errors.js';

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** An error as the API answers it; `unexpected` ones are logged and shown generically. */
export interface ErrorReply {
  status: number;
  body: ErrorBody;
  headers: Readonly<Record<string, string>>;
  unexpected: boolean;
}

// Statuses of the supervisor's own errors, by code. Anything else is unexpected: 500.
const STATUS_BY_CODE: Readonly<Record<string, number>> = Object.freeze({
  INVALID_ACCOUNT: 400,
  ACCOUNT_NOT_FOUND: 404,
  ACCOUNT_EXISTS: 409,
  ACCOUNT_DISABLED: 409,
  REVISION_MISMATCH: 412,
  NOT_STARTED: 503,
  SHUTTING_DOWN: 503,
  STORE_WRITE_FAILED: 503,
  DATABASE_UNAVAILABLE: 503,
});

/**
 * Maps anything a handler threw to a status and a body: {@link HttpError}s as they are, the
 * supervisor's errors by code (`InvalidAccountError` → 400 naming its `field`), and anything else
 * to a generic 500 that reveals nothing.
 *
 * @example
 * ```ts
 * toErrorReply(new AccountNotFoundError('a')).status; // 404
 * ```
 */
export function toErrorReply(err: unknown): ErrorReply {
  if (err instanceof HttpError) return reply(err.status, err.code, err.message, err.field, err.headers);
  if (err instanceof InvalidAccountError) return reply(400, err.code, err.message, err.field);
  if (err instanceof StatevisorError) {
    const status = STATUS_BY_CODE[err.code];
    if (status !== undefined) return reply(status, err.code, err.message, undefined, status === 503 ? { 'Retry-After': '5' } : {});
  }
  return { ...reply(500, 'INTERNAL', 'Internal error; the daemon logged the details.'), unexpected: true };
}

function reply(status: number, code: string, message: string, field?: string, headers: Readonly<Record<string, string>> = {}): ErrorReply {
  return { status, body: { error: { code, message, ...(field === undefined ? {} : { field }) } }, headers, unexpected: false };
}
