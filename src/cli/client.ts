import type { ErrorBody } from '../api/errorReply.js';
import type { Connection } from './connection.js';
import { CliError, OPERATOR_EXIT } from './errors.js';

/**
 * One control API call: JSON in, JSON out, bounded by `connection.timeoutMs`. Resolves with the
 * parsed body of a 2xx answer.
 *
 * @throws CliError `unreachable` when nothing answers at the URL, `auth` on 401/403, `usage` on
 * 400 (the API's message, which names the field), `failed` on any other error status.
 *
 * @example
 * ```ts
 * const { accounts } = await apiCall<{ accounts: AccountStatus[] }>(connection, 'GET', '/v1/accounts');
 * ```
 */
export async function apiCall<T>(connection: Connection, method: string, path: string, body?: unknown): Promise<T> {
  let res: globalThis.Response;
  try {
    res = await fetch(`${connection.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${connection.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(connection.timeoutMs),
    });
  } catch (err) {
    throw unreachable(connection, err);
  }
  const text = await readText(res, connection);
  if (res.ok) return parse(text) as T;
  throw fromErrorResponse(res.status, parse(text));
}

async function readText(res: globalThis.Response, connection: Connection): Promise<string> {
  try {
    return await res.text();
  } catch (err) {
    throw unreachable(connection, err);
  }
}

/**
 * The CLI error for a connection that failed (refused, reset, timed out).
 *
 * @example
 * ```ts
 * throw unreachable(connection, err);
 * ```
 */
export function unreachable(connection: Pick<Connection, 'url' | 'timeoutMs'>, err: unknown): CliError {
  const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as { code?: string }).code;
  const timedOut = (err as { name?: string }).name === 'TimeoutError';
  const why = timedOut ? `no answer within ${connection.timeoutMs} ms` : cause === 'ECONNREFUSED' ? 'connection refused' : (cause ?? (err as Error).message);
  return new CliError(
    'CLI_UNREACHABLE',
    `Cannot reach the statevisor daemon at ${connection.url} (${why}). Is it running? Start it with "statevisor start", or point --url / STATEVISOR_API_URL at it.`,
    OPERATOR_EXIT.unreachable,
  );
}

/**
 * The CLI error for an API error answer: its message (and field), with an exit code by status.
 *
 * @example
 * ```ts
 * fromErrorResponse(404, { error: { code: 'ACCOUNT_NOT_FOUND', message: '…' } }).exitCode; // 1
 * ```
 */
export function fromErrorResponse(status: number, body: unknown): CliError {
  const error = (body as Partial<ErrorBody> | undefined)?.error;
  const code = error?.code ?? `HTTP_${status}`;
  const message = error?.message ?? `The daemon answered ${status}.`;
  if (status === 401 || status === 403) {
    return new CliError(code, `${message} Check --token, STATEVISOR_API_TOKEN or the api-token file in --data-dir.`, OPERATOR_EXIT.auth);
  }
  const field = error?.field === undefined ? '' : ` (field: ${error.field})`;
  return new CliError(code, `${message}${field}`, status === 400 ? OPERATOR_EXIT.usage : OPERATOR_EXIT.failed);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
