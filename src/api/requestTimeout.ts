import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { HttpError } from './errors.js';
import { onClientError } from './rawReply.js';

/**
 * Node's `clientError` handler with the request timeout enforced for a request whose body is
 * still arriving: Node reports `ERR_HTTP_REQUEST_TIMEOUT` but leaves the answer to the handler,
 * which is still waiting for the body, so a slow body was never cut off. Here it is answered
 * 408 (when nothing was sent yet) and the connection closed, which ends the body read.
 * Everything else goes to {@link onClientError}.
 *
 * @example
 * ```ts
 * server.on('clientError', onClientErrorWithTimeouts);
 * ```
 */
export function onClientErrorWithTimeouts(err: NodeJS.ErrnoException & { rawPacket?: unknown }, socket: Duplex & { _httpMessage?: ServerResponse }): void {
  const pending = socket._httpMessage;
  if (err.code !== 'ERR_HTTP_REQUEST_TIMEOUT' || !pending || pending.req.complete) return onClientError(err, socket);
  if (!pending.headersSent) {
    const error = new HttpError(408, 'REQUEST_TIMEOUT', 'The request took too long to arrive.');
    const body = JSON.stringify({ error: { code: error.code, message: error.message } });
    pending.writeHead(408, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
    // Closing the socket ends the handler's body read (the request emits 'close').
    pending.end(body, () => socket.destroy());
  } else socket.destroy();
}
