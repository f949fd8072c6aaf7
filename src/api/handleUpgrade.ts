import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import type { TokenCheck } from './auth.js';
import { HttpError } from './errors.js';
import type { EventStream } from './eventStream.js';
import { rawErrorReply } from './rawReply.js';
import { parseTarget } from './routes.js';

/** The path of the live status stream. */
export const EVENTS_PATH = '/v1/events';

/** What the upgrade handler needs. */
export interface UpgradeDeps {
  wss: WebSocketServer;
  stream: EventStream;
  auth: TokenCheck;
  closing: () => boolean;
}

/**
 * Handles an HTTP upgrade: only `GET /v1/events`, only with the token, given either as
 * `Authorization: Bearer <token>` (Node clients, the CLI) or as a `?token=` query parameter
 * (browsers, whose WebSocket API cannot set headers; the query is never logged). Anything else is
 * answered with a plain HTTP error and the socket is closed.
 *
 * @example
 * ```ts
 * server.on('upgrade', (req, socket, head) => handleUpgrade(req, socket, head, deps));
 * ```
 */
export function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, deps: UpgradeDeps): void {
  socket.on('error', () => socket.destroy());
  try {
    if (deps.closing()) throw new HttpError(503, 'SHUTTING_DOWN', 'The daemon is shutting down.');
    const target = parseTarget(req.url);
    if (target.path !== EVENTS_PATH) throw new HttpError(404, 'NOT_FOUND', `Only ${EVENTS_PATH} accepts WebSocket connections.`);
    checkToken(req, target.query, deps.auth);
    deps.wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        deps.stream.accept(ws);
      } catch {
        ws.close(1011, 'internal error');
      }
    });
  } catch (err) {
    rawErrorReply(socket, err);
  }
}

function checkToken(req: IncomingMessage, query: URLSearchParams, auth: TokenCheck): void {
  const header = req.headers.authorization;
  const result = header !== undefined ? auth.header(header) : auth.token(query.get('token') ?? undefined);
  if (result === 'missing') throw new HttpError(401, 'UNAUTHORIZED', 'Authentication required: send "Authorization: Bearer <token>" or ?token=<token>.');
  if (result === 'wrong') throw new HttpError(403, 'FORBIDDEN', 'The token is not valid for this daemon.');
}
