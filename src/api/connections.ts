import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';

/** How often "connection limit reached" may be logged, at most. */
export const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * The control API's own view of its HTTP connections, for what Node's server cannot do alone:
 *
 * - **Shutdown.** `server.closeIdleConnections()` leaves a connection that sent half a request
 *   (or half a body) open until its timeout, so one stalled client made SIGTERM wait 5 s.
 *   {@link ConnectionTracker.closeUnbusy} closes every connection that has no request being
 *   carried out: idle ones, and those whose headers or body have not fully arrived. A request
 *   already being carried out finishes (its answer says what happened) within the close deadline.
 * - **The connection cap.** `server.maxConnections` closes connections beyond it; this logs
 *   that it happened (once per {@link DROP_LOG_INTERVAL_MS}, with the count), since an operator
 *   otherwise never learns why clients are refused.
 *
 * Upgraded (live-stream) sockets leave the tracker: the event stream closes them itself.
 *
 * @example
 * ```ts
 * const tracker = trackConnections(server, 512, log);
 * // on shutdown:
 * tracker.closeUnbusy();
 * ```
 */
export interface ConnectionTracker {
  /** Destroys every tracked connection with no fully received request in progress; returns how many. */
  closeUnbusy(): number;
  /** Stops following `upgrade`d `socket` (its new owner closes it). */
  forget(socket: Socket): void;
}

/**
 * Follows `server`'s connections and caps them at `maxConnections` (see {@link ConnectionTracker}).
 * `now` (default `performance.now`) paces the "limit reached" warning.
 *
 * @example
 * ```ts
 * const tracker = trackConnections(createServer(handler), 512, log);
 * ```
 */
export function trackConnections(server: Server, maxConnections: number, log: Logger, now: () => number = () => performance.now()): ConnectionTracker {
  const current = new Map<Socket, IncomingMessage | undefined>();
  server.maxConnections = maxConnections;
  server.on('connection', (socket: Socket) => {
    current.set(socket, undefined);
    socket.once('close', () => current.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: NodeJS.WritableStream) => {
    const socket = req.socket;
    if (!current.has(socket)) return;
    current.set(socket, req);
    res.once('close', () => {
      if (current.get(socket) === req) current.set(socket, undefined);
    });
  });
  let dropped = 0;
  let lastLog = -Infinity;
  server.on('drop', () => {
    dropped += 1;
    if (now() - lastLog < DROP_LOG_INTERVAL_MS) return;
    lastLog = now();
    log.warn({ maxConnections, dropped }, `control API: connection limit reached (${maxConnections} open); refused ${dropped} connection(s) since the last warning. Raise api.maxConnections if this is expected load.`);
    dropped = 0;
  });
  return {
    closeUnbusy: () => {
      let closed = 0;
      for (const [socket, req] of current) {
        if (req && req.complete) continue;
        socket.destroy();
        closed += 1;
      }
      return closed;
    },
    forget: (socket) => void current.delete(socket),
  };
}
