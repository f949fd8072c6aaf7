import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { isLoopbackHost, tokenCheck } from './auth.js';
import { apiRoutes } from './endpoints.js';
import { ApiInsecureBindError, ApiListenError } from './errors.js';
import { EventStream } from './eventStream.js';
import { handleRequest } from './handleRequest.js';
import { handleUpgrade } from './handleUpgrade.js';
import { listen, within } from './listen.js';
import { onClientError } from './rawReply.js';
import { createMetricsCollector } from './metrics.js';
import { CONTROL_API_DEFAULTS, resolveApiOptions, type ControlApiOptions, type ResolvedApiOptions } from './options.js';
import { loadOrCreateToken } from './token.js';

/** A listening control API. */
export interface ControlApi {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  /** The token file when the token came from `dataDir`; undefined when `token` was given. */
  readonly tokenFile: string | undefined;
  /** The token, only when this start generated it (print it once: it is not shown again). */
  readonly createdToken: string | undefined;
  /**
   * Stops: new requests and connections are refused, live-stream clients get `{ "type":
   * "shutdown" }` and a 1001 close, in-flight requests may finish until `timeoutMs` (default
   * 5000), then every connection is destroyed. Idempotent; never rejects.
   */
  close(opts?: { timeoutMs?: number }): Promise<void>;
}

/**
 * Starts the control API: JSON over HTTP and the live status stream over WebSocket, on one port.
 *
 * Why `node:http` and `ws` rather than a framework: the API has ten routes and one stream, and
 * its hard requirements are at the transport level — stop reading a body at 64 KiB, answer a bad
 * upgrade before the WebSocket handshake, cut off a slow stream reader by its socket's buffered
 * bytes, and close every connection within a deadline. Those are direct calls on `node:http` and
 * `ws` (already a dependency for the session worker), and no framework would remove one of them;
 * one port keeps one thing to bind, firewall and authenticate.
 *
 * Endpoints (all but `GET /health` need `Authorization: Bearer <token>`): `GET|POST /v1/accounts`,
 * `GET|PATCH|DELETE /v1/accounts/:id`, `POST /v1/accounts/:id/restart|enable|disable`,
 * `POST /v1/reload`, `GET /health`, `GET /metrics`, and `GET /v1/events` (WebSocket).
 *
 * @throws ApiInsecureBindError for a non-loopback `host` without an explicit `token`.
 * @throws ApiListenError when the port cannot be bound.
 *
 * @example
 * ```ts
 * const api = await createControlApi({ supervisor, dataDir: './data' });
 * if (api.createdToken) console.log(`API token: ${api.createdToken}`);
 * // …
 * await supervisor.shutdown();
 * await api.close({ timeoutMs: 2_000 });
 * ```
 */
export async function createControlApi(options: ControlApiOptions): Promise<ControlApi> {
  const opts = resolveApiOptions(options);
  if (!isLoopbackHost(opts.host) && opts.token === undefined) throw new ApiInsecureBindError(opts.host);
  const loaded = opts.token === undefined ? await loadOrCreateToken(opts.dataDir!) : undefined;
  const parts = assemble(opts, opts.token ?? loaded!.token);
  const port = await listen(parts.server, opts.host, opts.port).catch(async (err: unknown) => {
    await parts.stop(0);
    throw new ApiListenError(opts.host, opts.port, err);
  });
  let closing: Promise<void> | undefined;
  return {
    url: `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`,
    port,
    tokenFile: loaded?.file,
    createdToken: loaded?.created ? loaded.token : undefined,
    close: ({ timeoutMs = CONTROL_API_DEFAULTS.closeTimeoutMs } = {}) => (closing ??= parts.stop(timeoutMs)),
  };
}

function assemble(opts: ResolvedApiOptions, token: string) {
  const log = opts.logger.child({ component: 'api' });
  let closing = false;
  const auth = tokenCheck(token);
  const stream = new EventStream({ supervisor: opts.supervisor, bufferLimit: opts.eventBufferLimit, pingIntervalMs: opts.pingIntervalMs, log });
  const metrics = createMetricsCollector({ supervisor: opts.supervisor, writeLatency: opts.writeLatency, stream: () => stream.stats() });
  const routes = apiRoutes({ supervisor: opts.supervisor, metrics, ready: opts.ready, cluster: opts.cluster });
  const deps = { routes, auth, maxBodyBytes: opts.maxBodyBytes, log, closing: () => closing };
  const server = createServer({ requestTimeout: CONTROL_API_DEFAULTS.requestTimeoutMs, headersTimeout: CONTROL_API_DEFAULTS.headersTimeoutMs }, (req, res) => {
    void handleRequest(req, res, deps);
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4_096, perMessageDeflate: false, clientTracking: false });
  server.on('clientError', onClientError);
  server.on('upgrade', (req, socket, head: Buffer) => handleUpgrade(req, socket, head, { wss, stream, auth, closing: () => closing }));
  const stop = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    closing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await stream.shutdown(timeoutMs);
    metrics.stop();
    await within(closed, Math.max(0, deadline - Date.now()));
    // Past the deadline: destroy what is left; the sockets close at once.
    server.closeAllConnections();
    await within(closed, 250);
  };
  return { server, stop };
}
