import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { pino } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { isLoopbackHost } from '../api/auth.js';
import { ApiListenError, HttpError } from '../api/errors.js';
import { listen, stripUndefined, within } from '../api/listen.js';
import { rawErrorReply } from '../api/rawReply.js';
import { WsClientSet } from '../api/wsClients.js';
import { StatevisorError } from '../errors.js';
import { bridgePage } from './bridgePage.js';
import { toSafeJson } from '../secrets/scrub.js';
import { actorEvent, DefinitionCache, toStatelyEvent, type StatelyEvent } from './statelyEvents.js';

/** Every default of {@link InspectionRelayOptions}, in one place. */
export const INSPECTION_RELAY_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  /**
   * 7071: next to the control API's 7070, so one statevisor uses two adjacent ports. Not 8080,
   * @statelyai/inspect's default: that is where `createInspectorServer` and many dev servers
   * listen, and clients pass the relay's URL explicitly anyway.
   */
  port: 7071,
  /** Unread bytes a client may accumulate before it is cut off (inspection is chatty: 4 MiB). */
  bufferLimit: 4 * 1_048_576,
  pingIntervalMs: 30_000,
  /** Live actors remembered for clients that connect late (oldest forgotten first). */
  maxTrackedActors: 10_000,
  closeTimeoutMs: 2_000,
});

/** Options of {@link createInspectionRelay}. */
export interface InspectionRelayOptions {
  /** Default `127.0.0.1`. Must be a loopback host: the relay has no authentication. */
  host?: string;
  /** Default 7071; 0 picks a free port. */
  port?: number;
  /** Default 4 MiB. */
  bufferLimit?: number;
  /** Default 30000. */
  pingIntervalMs?: number;
  /** Default 10000. */
  maxTrackedActors?: number;
  /** Default: silent. Connections and slow clients are logged at `info`/`warn`. */
  logger?: Logger;
}

/** What the relay has done: for tests and `/metrics`-style checks. */
export interface InspectionRelayStats {
  clients: number;
  /** Events serialised (`JSON.stringify`) so far; stays 0 while nobody is connected. */
  serialised: number;
  /** Events relayed (each once, whatever the number of clients). */
  relayed: number;
  /** Clients cut off for reading too slowly. */
  cut: number;
}

/** A listening inspection relay. */
export interface InspectionRelay {
  /** `ws://127.0.0.1:port`: give it to `createWebSocketReceiver({ server })`. */
  readonly url: string;
  /** `http://127.0.0.1:port/`: open it in a browser to watch in the Stately inspector. */
  readonly pageUrl: string;
  readonly port: number;
  /** The observer to pass as `createSupervisor({ inspect: relay.inspect })`. */
  readonly inspect: (event: InspectionEvent) => void;
  stats(): InspectionRelayStats;
  /** Closes every client (1001) and the server. Idempotent; never rejects. */
  close(opts?: { timeoutMs?: number }): Promise<void>;
}

/**
 * The relay was asked to listen on a host other machines can reach.
 *
 * @example
 * ```ts
 * await createInspectionRelay({ host: '0.0.0.0' }); // rejects with this
 * ```
 */
export class InspectorInsecureBindError extends StatevisorError {
  constructor(readonly host: string) {
    super('INSPECT_INSECURE_BIND', `Refusing to serve XState inspection on non-loopback host "${host}": it has no authentication. Use 127.0.0.1.`, { retryable: false });
  }
}

/**
 * Starts a relay of XState inspection events to WebSocket clients, on loopback only.
 *
 * Events go out as TEXT frames in @statelyai/inspect's wire format (what its
 * `createWebSocketInspector` sends), so `createWebSocketReceiver({ server: relay.url })` clients
 * receive them, and the page at `relay.pageUrl` (the same bridge `createInspectorServer` serves)
 * shows them in the Stately inspector. `createInspectorServer` itself is not used: it listens on
 * every interface and opens a browser. Every relayed event is scrubbed of secret-named keys
 * (`credentials`, `token`, `password`, `cookie`…) on top of the supervisor keeping credentials
 * out of snapshots. With no client connected the observer only remembers which actors are alive
 * (for late joiners): nothing is converted or serialised. Browser pages from other origins are
 * refused (cross-site WebSocket hijacking), and so are other Host headers (DNS rebinding).
 *
 * @throws InspectorInsecureBindError for a non-loopback host; ApiListenError when the port is taken.
 *
 * @example
 * ```ts
 * const relay = await createInspectionRelay({ port: 7071 });
 * const supervisor = createSupervisor({ worker, inspect: relay.inspect });
 * // watch: open relay.pageUrl, or createWebSocketReceiver({ server: relay.url }).subscribe(console.log)
 * await supervisor.shutdown();
 * await relay.close();
 * ```
 */
export async function createInspectionRelay(options: InspectionRelayOptions = {}): Promise<InspectionRelay> {
  const opts = { ...INSPECTION_RELAY_DEFAULTS, logger: pino({ level: 'silent' }), ...stripUndefined(options) };
  if (!isLoopbackHost(opts.host)) throw new InspectorInsecureBindError(opts.host);
  const core = new RelayCore(opts);
  const server = createServer((req, res) => servePage(req, res, core.allowedHosts));
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4_096, perMessageDeflate: false, clientTracking: false });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => core.upgrade(wss, req, socket, head));
  const port = await listen(server, opts.host, opts.port).catch(async (err: unknown) => {
    await core.close(server, 0);
    throw new ApiListenError(opts.host, opts.port, err);
  });
  core.port = port;
  let closing: Promise<void> | undefined;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `ws://${host}:${port}`,
    pageUrl: `http://${host}:${port}/`,
    port,
    inspect: (event) => core.observe(event),
    stats: () => core.stats(),
    close: ({ timeoutMs = opts.closeTimeoutMs } = {}) => (closing ??= core.close(server, timeoutMs)),
  };
}

type RelayOptions = { [K in keyof typeof INSPECTION_RELAY_DEFAULTS]: (typeof INSPECTION_RELAY_DEFAULTS)[K] extends number ? number : string } & { logger: Logger };

/** The relay's state: clients, pending events, tracked live actors, counters. */
class RelayCore {
  port = 0;
  readonly #clients: WsClientSet;
  readonly #definitions = new DefinitionCache();
  readonly #actors = new Map<string, { ref: AnyActorRef; rootId: string | undefined }>();
  readonly #options: RelayOptions;
  #pending: InspectionEvent[] = [];
  #scheduled = false;
  #closed = false;
  #serialised = 0;
  #relayed = 0;

  constructor(options: RelayOptions) {
    this.#options = options;
    this.#clients = new WsClientSet({
      bufferLimit: options.bufferLimit,
      pingIntervalMs: options.pingIntervalMs,
      cutGraceMs: 1_000,
      onCut: (bytes) => options.logger.warn({ bufferedBytes: bytes }, 'inspection relay: client too slow, disconnected (4008)'),
    });
  }

  get allowedHosts(): Set<string> {
    return new Set([`127.0.0.1:${this.port}`, `localhost:${this.port}`, `[::1]:${this.port}`]);
  }

  /** The inspection observer: O(1), and no conversion or serialisation without clients. Never throws into XState. */
  observe(event: InspectionEvent): void {
    if (this.#closed) return;
    try {
      this.#track(event);
    } catch {
      return;
    }
    if (this.#clients.size === 0) return;
    this.#pending.push(event);
    if (this.#scheduled) return;
    this.#scheduled = true;
    // A microtask later: XState emits `@xstate.actor` before the actor has a snapshot.
    queueMicrotask(() => this.#flush());
  }

  #track(event: InspectionEvent): void {
    if (event.type === '@xstate.actor') {
      if (this.#actors.size >= this.#options.maxTrackedActors) this.#actors.delete(this.#actors.keys().next().value!);
      this.#actors.set(event.actorRef.sessionId, { ref: event.actorRef as AnyActorRef, rootId: event.rootId });
    } else if (event.type === '@xstate.snapshot' && (event.snapshot as { status?: string }).status !== 'active') {
      this.#actors.delete(event.actorRef.sessionId);
    }
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    if (this.#clients.size === 0) return;
    for (const event of batch) {
      try {
        const message = toStatelyEvent(event, this.#definitions);
        if (message) this.#clients.broadcast(this.#serialise(message));
      } catch (err) {
        this.#options.logger.error({ err, type: event.type }, 'inspection relay: an event could not be relayed');
      }
    }
  }

  #serialise(message: StatelyEvent): string {
    this.#serialised += 1;
    this.#relayed += 1;
    return JSON.stringify(toSafeJson(message));
  }

  /** A new client first gets the actors alive now, then every event. */
  accept(ws: WebSocket): void {
    const replay: string[] = [];
    for (const [id, { ref, rootId }] of this.#actors) {
      if ((ref.getSnapshot() as { status?: string } | undefined)?.status !== 'active') this.#actors.delete(id);
      else replay.push(this.#serialise(actorEvent(ref, rootId, this.#definitions)));
    }
    this.#clients.add(ws, replay);
    this.#options.logger.info({ replayed: replay.length }, 'inspection relay: client connected');
  }

  upgrade(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const origin = req.headers.origin;
    const hostOk = this.allowedHosts.has(req.headers.host ?? '');
    const originOk = origin === undefined || [...this.allowedHosts].some((h) => origin === `http://${h}`);
    if (this.#closed || !hostOk || !originOk) {
      const error = this.#closed
        ? new HttpError(503, 'SHUTTING_DOWN', 'The inspection relay is closing.')
        : new HttpError(403, 'FORBIDDEN', 'Inspection is served to this machine only: connect to 127.0.0.1 without a foreign Origin.');
      rawErrorReply(socket, error);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      try {
        this.accept(ws);
      } catch (err) {
        this.#options.logger.error({ err }, 'inspection relay: replay to a new client failed');
        ws.close(1011, 'internal error');
      }
    });
  }

  stats(): InspectionRelayStats {
    return { clients: this.#clients.size, serialised: this.#serialised + this.#definitions.serialised, relayed: this.#relayed, cut: this.#clients.cutCount };
  }

  async close(server: Server, timeoutMs: number): Promise<void> {
    this.#closed = true;
    this.#pending = [];
    this.#actors.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await this.#clients.shutdown({ timeoutMs });
    server.closeAllConnections();
    await within(closed, 1_000);
  }
}

function servePage(req: IncomingMessage, res: ServerResponse, allowedHosts: Set<string>): void {
  const ok = req.method === 'GET' && (req.url === '/' || req.url === '/index.html') && allowedHosts.has(req.headers.host ?? '');
  res.writeHead(ok ? 200 : 404, { 'Content-Type': ok ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(ok ? bridgePage() : 'Not found: open / for the Stately inspector bridge.\n');
}
