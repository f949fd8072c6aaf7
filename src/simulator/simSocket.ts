/**
 * The simulator's server-side socket: a ws `WebSocket` whose answer to a client's close frame
 * can be delayed, to simulate a platform that is slow to finish the closing handshake.
 */
import { WebSocket } from 'ws';

/**
 * ws calls `close()` on the server socket when a client's close frame arrives; the simulator
 * itself closes through {@link SimSocket.serverClose}, so only the client-initiated handshake
 * is slowed down.
 *
 * @example
 * ```ts
 * new WebSocketServer({ noServer: true, WebSocket: SimSocket });
 * ```
 */
export class SimSocket extends WebSocket {
  /** Returns the current delay for answering a client's close frame (0 = answer at once). */
  closeDelayMs: () => number = () => 0;
  /** Set once a close started (either side): nothing more is pushed to this socket. */
  closing = false;
  private delayedClose: NodeJS.Timeout | undefined;

  /** Closes from the server side immediately, whatever the delay. */
  serverClose(code: number, reason: string): void {
    this.closing = true;
    super.close(code, reason);
  }

  /** Called by ws when the client's close frame arrives; answers after `closeDelayMs()`. */
  override close(code?: number, data?: string | Buffer): void {
    this.closing = true;
    const delay = this.closeDelayMs();
    if (delay <= 0 || this.readyState !== WebSocket.OPEN) return super.close(code, data);
    if (this.delayedClose) return;
    this.delayedClose = setTimeout(() => super.close(code, data), delay);
    // The client may give up and terminate first: the timer must not outlive the socket.
    this.once('close', () => clearTimeout(this.delayedClose));
  }
}
