import http from 'node:http';
import https from 'node:https';
import type { ErrorBody } from '../api/errorReply.js';
import type { Connection } from './connection.js';
import { CliError, OPERATOR_EXIT } from './errors.js';

/** A 2xx answer: its parsed body and the headers a command may need (`etag`). */
export interface ApiAnswer<T> {
  body: T;
  etag: string | undefined;
}

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
  return (await apiRequest<T>(connection, method, path, { body })).body;
}

/**
 * {@link apiCall} with request headers (`If-Match`) and the answer's `ETag`.
 *
 * The request goes out through `node:http` with the path exactly as given: `fetch` would resolve
 * `.` and `..` segments (`/v1/accounts/..` → `/v1/`), so accounts with those ids were unreachable.
 *
 * @example
 * ```ts
 * const { body, etag } = await apiRequest<{ account: AccountStatus }>(connection, 'GET', accountPath('shop-1'));
 * await apiRequest(connection, 'PATCH', accountPath('shop-1'), { body: { settings: { a: 1 } }, headers: { 'If-Match': etag! } });
 * ```
 */
export async function apiRequest<T>(
  connection: Connection,
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiAnswer<T>> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { Authorization: `Bearer ${connection.token}`, Accept: 'application/json', ...options.headers };
  if (payload !== undefined) headers['Content-Type'] = 'application/json';
  let res: { status: number; text: string; etag: string | undefined };
  try {
    res = await send(connection, method, path, headers, payload);
  } catch (err) {
    throw unreachable(connection, err);
  }
  if (res.status >= 200 && res.status < 300) return { body: parse(res.text) as T, etag: res.etag };
  throw fromErrorResponse(res.status, parse(res.text));
}

/**
 * The API path of an account (or of one of its actions). Each segment is percent-encoded, and a
 * segment made only of dots (`.`, `..`) is encoded whole (`%2E%2E`), so nothing on the way reads
 * it as "this directory" or "the parent directory".
 *
 * @example
 * ```ts
 * accountPath('..', 'restart'); // '/v1/accounts/%2E%2E/restart'
 * ```
 */
export function accountPath(id: string, action = ''): string {
  const segment = /^\.+$/.test(id) ? id.replace(/\./g, '%2E') : encodeURIComponent(id);
  return `/v1/accounts/${segment}${action ? `/${action}` : ''}`;
}

function send(
  connection: Connection,
  method: string,
  path: string,
  headers: Record<string, string>,
  payload: string | undefined,
): Promise<{ status: number; text: string; etag: string | undefined }> {
  const base = new URL(connection.url);
  const transport = base.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      {
        protocol: base.protocol,
        hostname: base.hostname.replace(/^\[|\]$/g, ''),
        port: base.port,
        method,
        path: `${base.pathname.replace(/\/+$/, '')}${path}`,
        headers: payload === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(payload)) },
        timeout: connection.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(deadline);
          const etag = res.headers.etag;
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), etag });
        });
        res.on('error', fail);
      },
    );
    // One deadline for the whole exchange (the socket timeout alone would restart on every chunk).
    const deadline = setTimeout(() => fail(Object.assign(new Error(`no answer within ${connection.timeoutMs} ms`), { name: 'TimeoutError' })), connection.timeoutMs);
    function fail(err: Error): void {
      clearTimeout(deadline);
      req.destroy();
      reject(err);
    }
    req.on('timeout', () => fail(Object.assign(new Error(`no answer within ${connection.timeoutMs} ms`), { name: 'TimeoutError' })));
    req.on('error', fail);
    req.end(payload);
  });
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
