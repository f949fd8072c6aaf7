/**
 * A fake remote platform on 127.0.0.1 speaking the session protocol (src/protocol/PROTOCOL.md), with fault
 * injection and a ground-truth ledger of sessions per account.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type Server as WsServer } from 'ws';
import { CloseCode } from '../protocol/protocol.js';
import { settleWithin } from '../sessions/util.js';
import { SimConnection, type SimEnv } from './connection.js';
import { EventHub, type SimulatorEvents } from './events.js';
import { Faults, type DropMode } from './faults.js';
import { Ledger, type ReplyRecord, type SimulatorStats } from './ledger.js';
import { resolveSimulatorOptions, type SimulatorOptions, type Violation } from './options.js';
import { SimSocket } from './simSocket.js';
import { createControlHandler } from './control.js';

/**
 * A running simulator. Every fault method is also reachable over HTTP (`POST /control`), see
 * `createSimulatorClient`.
 *
 * @example
 * ```ts
 * const sim = await createSimulator();
 * sim.halfOpen('shop-1', true);
 * expect(sim.maxConcurrent('shop-1')).toBe(1);
 * await sim.close();
 * ```
 */
export interface Simulator {
  /** `ws://127.0.0.1:PORT/`: give it to `websocketSession({ url })`. */
  readonly url: string;
  /** `http://127.0.0.1:PORT`: base of `POST /control` and `GET /stats`. */
  readonly controlUrl: string;
  readonly port: number;
  readonly host: string;
  /** Live registered sessions of the account. */
  sessions(accountId: string): number;
  /** Most live sessions the account ever had at once. Anything above 1 is a violation. */
  maxConcurrent(accountId: string): number;
  /** WebSocket connections accepted since start. */
  readonly totalConnections: number;
  /** Server-side sockets currently open, registered or not. */
  readonly openSockets: number;
  /** Replies received from the account, in arrival order. */
  replies(accountId: string): readonly ReplyRecord[];
  /** Close codes of the account's ended sessions, as the server saw them (1000 = client closed normally). */
  closeCodes(accountId: string): readonly number[];
  /** Every second-session event so far. */
  violations(): readonly Violation[];
  stats(): SimulatorStats;
  on<K extends keyof SimulatorEvents>(event: K, listener: (payload: SimulatorEvents[K]) => void): () => void;
  /** Pushes a message to each live session of the account; returns the message ids sent. */
  push(accountId: string, text: string, from?: string): string[];
  /**
   * Sends `data` unencoded to each registered session of the account, even one whose client has
   * sent its close frame while the simulator delays its answer (`closeSlowly`): a frame type the
   * client does not know, a malformed frame, a message after the close. A `Buffer` goes as a
   * binary frame. Returns how many sockets it was sent to.
   */
  sendRaw(accountId: string, data: string | Buffer): number;
  drop(accountId: string, mode?: DropMode): number;
  halfOpen(accountId: string, on?: boolean): void;
  rejectCredentials(accountId: string): number;
  ban(accountId: string): number;
  restore(accountId: string): void;
  refuseConnections(ms: number): void;
  closeSlowly(ms: number): void;
  dropEvery(accountId: string, ms: number): void;
  /** Sends close 1001 to every client, terminates those that have not closed after `closeGraceMs`, stops listening. Bounded; idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a simulator; resolves once it listens. Options and defaults: {@link SimulatorOptions}.
 *
 * @example
 * ```ts
 * const sim = await createSimulator({ rate: 1 });
 * const worker = websocketSession({ url: sim.url });
 * ```
 */
export async function createSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const opts = resolveSimulatorOptions(options);
  const events = new EventHub();
  if (opts.onViolation) events.on('violation', opts.onViolation);
  const ledger = new Ledger<SimConnection>((v) => events.emit('violation', v));
  const faults = new Faults(ledger);
  let nextId = 0;
  const env: SimEnv = { options: opts, ledger, faults, events, nextId: (p) => `${p}-${++nextId}` };
  const wss = new WebSocketServer<typeof SimSocket>({ noServer: true, WebSocket: SimSocket, autoPong: false, maxPayload: 64 * 1024 });
  wss.on('connection', (socket) => {
    ledger.totalConnections += 1;
    ledger.openSockets += 1;
    new SimConnection(socket, env);
    events.emit('connection', { totalConnections: ledger.totalConnections });
  });
  const state = { closing: false };
  const server = http.createServer();
  // Bounds for control requests: a stuck client cannot hold the simulator open.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    if (state.closing || faults.refusing()) return refuse(socket);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const port = await listen(server, opts.host, opts.port);
  const hostInUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const shutdown = once(() => closeAll({ state, faults, wss, server, events, graceMs: opts.closeGraceMs }));
  const sim = buildApi({ url: `ws://${hostInUrl}:${port}/`, controlUrl: `http://${hostInUrl}:${port}`, port, host: opts.host, ledger, faults, events, close: shutdown });
  server.on('request', createControlHandler(sim));
  return sim;
}

interface ApiParts {
  url: string;
  controlUrl: string;
  port: number;
  host: string;
  ledger: Ledger<SimConnection>;
  faults: Faults;
  events: EventHub;
  close(): Promise<void>;
}

function buildApi({ ledger, faults, events, ...rest }: ApiParts): Simulator {
  return {
    ...rest,
    sessions: (id) => ledger.peek(id).sessions,
    maxConcurrent: (id) => ledger.peek(id).maxConcurrent,
    get totalConnections() {
      return ledger.totalConnections;
    },
    get openSockets() {
      return ledger.openSockets;
    },
    replies: (id) => [...ledger.peek(id).replies],
    closeCodes: (id) => [...ledger.peek(id).closeCodes],
    violations: () => [...ledger.violations],
    stats: () => ledger.snapshot(),
    on: (event, listener) => events.on(event, listener),
    push: (id, text, from = 'customer-1') => ledger.sessionsOf(id).flatMap((c) => c.deliver(text, from) ?? []),
    sendRaw: (id, data) => ledger.sessionsOf(id).filter((c) => c.sendRaw(data)).length,
    drop: (id, mode) => faults.drop(id, mode),
    halfOpen: (id, on) => faults.halfOpen(id, on),
    rejectCredentials: (id) => faults.rejectCredentials(id),
    ban: (id) => faults.ban(id),
    restore: (id) => faults.restore(id),
    refuseConnections: (ms) => faults.refuseConnections(ms),
    closeSlowly: (ms) => faults.closeSlowly(ms),
    dropEvery: (id, ms) => faults.dropEvery(id, ms),
  };
}

/** An outage: answer the upgrade with 503 and hang up. */
function refuse(socket: Duplex): void {
  socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', () => socket.destroy());
}

function listen(server: http.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

interface Closable {
  state: { closing: boolean };
  faults: Faults;
  wss: WsServer<typeof SimSocket>;
  server: http.Server;
  events: EventHub;
  graceMs: number;
}

async function closeAll({ state, faults, wss, server, events, graceMs }: Closable): Promise<void> {
  state.closing = true;
  faults.dispose();
  const sockets = [...wss.clients];
  for (const s of sockets) {
    if (s.readyState === SimSocket.OPEN) s.serverClose(CloseCode.goingAway, 'going away');
    else s.terminate();
  }
  await settleWithin(allClosed(sockets), graceMs);
  for (const s of sockets) if (s.readyState !== SimSocket.CLOSED) s.terminate();
  await settleWithin(allClosed(sockets), 1_000);
  const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await settleWithin(serverClosed, 1_000);
  wss.close();
  events.clear();
}

function allClosed(sockets: SimSocket[]): Promise<unknown> {
  return Promise.all(sockets.map((s) => (s.readyState === SimSocket.CLOSED ? Promise.resolve() : new Promise((r) => s.once('close', r)))));
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
