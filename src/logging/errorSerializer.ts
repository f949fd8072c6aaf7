import { stdSerializers } from 'pino';
import { redactUrlsIn } from '../secrets/redactUrl.js';

/** An error as statevisor logs it under `err`. */
export interface LoggedError {
  /** The error's class (`CredentialsRejectedError`), never `"Object"`. */
  type: string;
  message: string;
  code?: string;
  retryable?: false;
  /** Only for unexpected errors: those without a `code`, and Node's own `ERR_*` codes (bugs). */
  stack?: string;
}

/**
 * Pino's `err` serializer for statevisor. An expected failure carries a stable `code` (every
 * `StatevisorError`, a session's close 4001 or 1006, a worker's `{ code }`): it is logged as its
 * class, code and message, with no stack, since the stack says nothing an operator can act on.
 * Anything else (a `TypeError`, Node's `ERR_*` codes) keeps its stack: that is a bug to report.
 * Errors recorded as plain data (`TaskError`) keep their `name` as `type`. URL secrets in the
 * message are redacted.
 *
 * @example
 * ```ts
 * pino({ serializers: { err: errorSerializer } }).warn({ err: new CredentialsRejectedError() }, 'rejected');
 * // "err":{"type":"CredentialsRejectedError","code":"CREDENTIALS_REJECTED","message":"…","retryable":false}
 * ```
 */
export function errorSerializer(err: unknown): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const e = err as { name?: unknown; message?: unknown; code?: unknown; retryable?: unknown; stack?: unknown };
  const type = typeof e.name === 'string' && e.name !== '' ? e.name : err instanceof Error ? err.constructor.name : 'Error';
  const message = redactUrlsIn(typeof e.message === 'string' ? e.message : '');
  const code = typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : undefined;
  if (code !== undefined && !code.startsWith('ERR_')) {
    return { type, code, message, ...(e.retryable === false ? { retryable: false } : {}) } satisfies LoggedError;
  }
  if (err instanceof Error) return { ...stdSerializers.err(err), type, message };
  return { type, message, ...(code === undefined ? {} : { code }), ...(typeof e.stack === 'string' && e.stack ? { stack: e.stack } : {}) };
}
