import { WebSocket } from 'ws';

/** Close code sent to a client whose send buffer overflowed (4008: "too slow", as in the platform protocol). */
export const CLOSE_TOO_SLOW = 4008;
/** Close code sent at shutdown: 1001 "going away". */
export const CLOSE_GOING_AWAY = 1001;

/** Options of a {@link WsClientSet}. */
export interface WsClientSetOptions {
  /** Bytes a client may have waiting in its send buffer before it is cut off. */
  bufferLimit: number;
  /** Ping period; a client that did not answer the previous ping is terminated. 0 disables. */
  pingIntervalMs: number;
  /** How long a cut-off client gets to complete the close handshake before its socket is destroyed. */
  cutGraceMs: number;
  /** Called when a client is cut off for being too slow. */
  onCut?: (bufferedBytes: number) => void;
}

interface Client {
  ws: WebSocket;
  state: 'open' | 'closing';
  alive: boolean;
  /** Allowance for the current backlog: the limit, plus a big first message until it drained. */
  limit: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The connected clients of one WebSocket endpoint, each with a bounded send buffer: a client
 * whose backlog (`ws.bufferedAmount`) exceeds `bufferLimit` is closed with 4008 and, if the close
 * handshake cannot get through its full buffer, destroyed after `cutGraceMs`. A slow reader
 * therefore costs at most `bufferLimit` bytes of memory and never blocks the sender: `send()`
 * only queues. The set owns its ping timer and every socket in it; `shutdown()` releases all.
 *
 * @example
 * ```ts
 * const clients = new WsClientSet({ bufferLimit: 1 << 20, pingIntervalMs: 30_000, cutGraceMs: 1_000 });
 * wss.on('connection', (ws) => clients.add(ws, JSON.stringify({ type: 'hello' })));
 * clients.broadcast('{"type":"tick"}');
 * await clients.shutdown({ finalMessage: '{"type":"shutdown"}', timeoutMs: 2_000 });
 * ```
 */
export class WsClientSet {
  readonly #clients = new Set<Client>();
  readonly #options: WsClientSetOptions;
  readonly #ping: NodeJS.Timeout | undefined;
  #shuttingDown = false;
  #cut = 0;

  constructor(options: WsClientSetOptions) {
    this.#options = options;
    if (options.pingIntervalMs > 0) this.#ping = setInterval(() => this.#pingAll(), options.pingIntervalMs).unref();
  }

  /** Clients that receive broadcasts now. */
  get size(): number {
    let n = 0;
    for (const c of this.#clients) if (c.state === 'open') n += 1;
    return n;
  }

  /** Clients cut off for being too slow, since creation. */
  get cutCount(): number {
    return this.#cut;
  }

  /** Takes ownership of `ws`; sends `first` (one message or several) to it before any broadcast. */
  add(ws: WebSocket, first: string | readonly string[] = []): void {
    if (this.#shuttingDown) {
      ws.terminate();
      return;
    }
    const client: Client = { ws, state: 'open', alive: true, limit: this.#options.bufferLimit, timer: undefined };
    this.#clients.add(client);
    ws.on('error', () => {}); // a 'close' always follows
    ws.on('pong', () => (client.alive = true));
    ws.on('close', () => {
      clearTimeout(client.timer);
      this.#clients.delete(client);
    });
    const messages = typeof first === 'string' ? [first] : first;
    // The first messages (a snapshot) may exceed the limit on their own: allow them once.
    client.limit = this.#options.bufferLimit + messages.reduce((n, m) => n + Buffer.byteLength(m), 0);
    if (ws.readyState !== WebSocket.OPEN) return;
    for (const message of messages) safely(() => ws.send(message));
  }

  /** Queues `text` as one text frame to every open client, cutting off those over their limit. */
  broadcast(text: string): void {
    for (const client of this.#clients) if (client.state === 'open') this.#send(client, text);
  }

  /**
   * Sends `finalMessage` (if any) and a 1001 close to every client, waits up to `timeoutMs` for
   * the close handshakes, then destroys what is left. Stops the ping timer. Idempotent.
   */
  async shutdown(opts: { finalMessage?: string; timeoutMs: number }): Promise<void> {
    this.#shuttingDown = true;
    clearInterval(this.#ping);
    for (const client of this.#clients) {
      if (client.state !== 'open') continue;
      if (opts.finalMessage !== undefined) safely(() => client.ws.send(opts.finalMessage!));
      this.#close(client, CLOSE_GOING_AWAY, 'server shutting down');
    }
    await this.#allClosed(opts.timeoutMs);
    for (const client of this.#clients) client.ws.terminate();
  }

  #send(client: Client, text: string): void {
    const { ws } = client;
    if (ws.readyState !== WebSocket.OPEN) return;
    const buffered = ws.bufferedAmount;
    if (buffered > client.limit) {
      this.#cut += 1;
      this.#options.onCut?.(buffered);
      this.#close(client, CLOSE_TOO_SLOW, 'too slow: send buffer overflowed');
      return;
    }
    if (buffered <= this.#options.bufferLimit) client.limit = this.#options.bufferLimit;
    safely(() => ws.send(text));
  }

  #close(client: Client, code: number, reason: string): void {
    client.state = 'closing';
    safely(() => client.ws.close(code, reason));
    // A client that does not read cannot receive the close frame either: destroy it after a grace.
    client.timer = setTimeout(() => client.ws.terminate(), this.#options.cutGraceMs);
  }

  #pingAll(): void {
    for (const client of this.#clients) {
      if (client.state !== 'open') continue;
      if (!client.alive) {
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      safely(() => client.ws.ping());
    }
  }

  #allClosed(timeoutMs: number): Promise<void> {
    if (this.#clients.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(finish, timeoutMs);
      const sockets = [...this.#clients].map((c) => c.ws);
      let open = sockets.length;
      function finish() {
        clearTimeout(timer);
        resolve();
      }
      for (const ws of sockets) {
        if (ws.readyState === WebSocket.CLOSED) open -= 1;
        else
          ws.once('close', () => {
            open -= 1;
            if (open === 0) finish();
          });
      }
      if (open === 0) finish();
    });
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // The socket closed between the check and the call; its 'close' handler cleans up.
  }
}
