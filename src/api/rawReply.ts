import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { toErrorReply } from './errorReply.js';
import { HttpError } from './errors.js';

/**
 * Answers on a raw socket (a refused upgrade, a request Node's parser rejected) with the API's
 * JSON error body, then closes the connection.
 *
 * @example
 * ```ts
 * server.on('upgrade', (req, socket) => rawErrorReply(socket, new HttpError(404, 'NOT_FOUND', 'No such endpoint.')));
 * ```
 */
export function rawErrorReply(socket: Duplex, err: unknown, opts: { withBody?: boolean } = {}): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const { status, body, headers } = toErrorReply(err);
  const text = opts.withBody === false ? '' : JSON.stringify(body);
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, 'Content-Type: application/json; charset=utf-8', `Content-Length: ${Buffer.byteLength(text)}`, 'Connection: close'];
  for (const [name, value] of Object.entries(headers)) if (name.toLowerCase() !== 'connection') lines.push(`${name}: ${value}`);
  socket.end(`${lines.join('\r\n')}\r\n\r\n${text}`);
}

/**
 * Answers a request Node's HTTP parser refused (unknown method, bad headers or framing, too
 * slow) with the API's JSON error, except to a `HEAD` request, whose answer has no body.
 *
 * @example
 * ```ts
 * clientErrorReply(socket, err);
 * ```
 */
export function clientErrorReply(socket: Duplex, err: NodeJS.ErrnoException & { rawPacket?: unknown }): void {
  const head = Buffer.isBuffer(err.rawPacket) && err.rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
  rawErrorReply(socket, clientErrorOf(err), { withBody: !head });
}

/**
 * The API error for a request Node's HTTP parser refused.
 *
 * @example
 * ```ts
 * clientErrorOf(Object.assign(new Error('x'), { code: 'HPE_HEADER_OVERFLOW' })).status; // 431
 * ```
 */
export function clientErrorOf(err: NodeJS.ErrnoException): HttpError {
  if (err.code === 'HPE_HEADER_OVERFLOW') return new HttpError(431, 'HEADERS_TOO_LARGE', 'The request headers are too large.');
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return new HttpError(408, 'REQUEST_TIMEOUT', 'The request took too long to arrive.');
  return new HttpError(400, 'BAD_REQUEST', 'The request is not valid HTTP/1.1 (unknown method, malformed headers or framing).');
}

/**
 * Node's parser refused bytes on a connection (`clientError`). With no request in flight, answer
 * with a JSON 400 (or 408/431). With one in flight (for example a body sent without framing after
 * a complete request), let its response go out first, then close: answering the junk instead
 * would tell the client its request failed while it is still being carried out.
 *
 * @example
 * ```ts
 * server.on('clientError', onClientError);
 * ```
 */
export function onClientError(err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Duplex & { _httpMessage?: ServerResponse }): void {
  const pending = socket._httpMessage;
  if (err.code === 'ECONNRESET') socket.destroy();
  else if (pending && !pending.writableFinished) pending.once('close', () => socket.destroy());
  else if (pending) socket.destroy();
  else clientErrorReply(socket, err);
}
