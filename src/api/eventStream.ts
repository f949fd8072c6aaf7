import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { AccountStatus } from '../account.js';
import type { Supervisor } from '../createSupervisor.js';
import { scrubReplacer } from '../secrets/scrub.js';
import { WsClientSet } from './wsClients.js';

/**
 * The messages of `GET /v1/events`, one JSON text frame each, in this order: one `snapshot`,
 * then a `status` or `removed` per change of the status read model, in the order they happened,
 * and a final `shutdown` before the server closes the socket with 1001.
 */
export type StreamMessage =
  | { type: 'snapshot'; statuses: AccountStatus[] }
  | { type: 'status'; id: string; status: AccountStatus }
  | { type: 'removed'; id: string }
  | { type: 'shutdown' };

/** Options of an {@link EventStream}. */
export interface EventStreamOptions {
  supervisor: Supervisor;
  /** Bytes a client may have unread before it is cut off (close 4008). */
  bufferLimit: number;
  pingIntervalMs: number;
  log: Logger;
}

/**
 * The live status stream. One listener on the status model's `changed` events serialises each
 * change once (and not at all when nobody is connected) and queues it to every client; a client
 * whose unread backlog passes `bufferLimit` is cut off, so a slow reader never slows the
 * supervisor or the other clients. The listener runs inside the supervisor's publish, so it
 * never throws.
 *
 * @example
 * ```ts
 * const stream = new EventStream({ supervisor, bufferLimit: 1 << 20, pingIntervalMs: 30_000, log });
 * wss.handleUpgrade(req, socket, head, (ws) => stream.accept(ws));
 * await stream.shutdown(2_000);
 * ```
 */
export class EventStream {
  readonly #clients: WsClientSet;
  readonly #supervisor: Supervisor;
  readonly #unsubscribe: () => void;

  constructor(options: EventStreamOptions) {
    this.#supervisor = options.supervisor;
    this.#clients = new WsClientSet({
      bufferLimit: options.bufferLimit,
      pingIntervalMs: options.pingIntervalMs,
      cutGraceMs: 1_000,
      onCut: (bytes) => options.log.warn({ bufferedBytes: bytes }, 'control API: live-stream client too slow, disconnected (4008)'),
    });
    const sub = options.supervisor.statusModel.on('changed', ({ id, status }) => {
      if (this.#clients.size === 0) return;
      try {
        this.#clients.broadcast(encode(status ? { type: 'status', id, status } : { type: 'removed', id }));
      } catch (err) {
        options.log.error({ err }, 'control API: live-stream broadcast failed');
      }
    });
    this.#unsubscribe = () => sub.unsubscribe();
  }

  /** Clients connected now, and cut off for being slow so far. */
  stats(): { clients: number; cut: number } {
    return { clients: this.#clients.size, cut: this.#clients.cutCount };
  }

  /** Takes ownership of an upgraded socket: sends the snapshot, then every change. */
  accept(ws: WebSocket): void {
    // Reading the model and joining the broadcast happen in one synchronous step: no change can
    // fall between the snapshot and the first `status` message.
    this.#clients.add(ws, encode({ type: 'snapshot', statuses: this.#supervisor.list() }));
  }

  /** Sends `{ type: 'shutdown' }` and a 1001 close to every client; destroys the stragglers after `timeoutMs`. */
  async shutdown(timeoutMs: number): Promise<void> {
    this.#unsubscribe();
    await this.#clients.shutdown({ finalMessage: encode({ type: 'shutdown' }), timeoutMs });
  }
}

function encode(message: StreamMessage): string {
  return JSON.stringify(message, scrubReplacer);
}
