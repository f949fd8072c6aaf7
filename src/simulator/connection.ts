/**
 * One client connection on the simulated platform: the register handshake, heartbeat acks,
 * pushed messages and recorded replies, with the faults applied.
 */
import type { RawData } from 'ws';
import { CloseCode, clientFrameSchema, encodeFrame, parseFrame, type ClientFrame, type ServerFrame } from '../protocol/protocol.js';
import { rawText } from '../sessions/util.js';
import type { EventHub } from './events.js';
import type { Faults } from './faults.js';
import type { Ledger } from './ledger.js';
import type { ResolvedSimulatorOptions } from './options.js';
import { SimSocket } from './simSocket.js';

/** What a connection needs from its simulator. @example `new SimConnection(socket, { options, ledger, faults, events, nextId })` */
export interface SimEnv {
  options: ResolvedSimulatorOptions;
  ledger: Ledger<SimConnection>;
  faults: Faults;
  events: EventHub;
  /** A new id with the prefix (`s-1`, `m-7`), unique within the simulator. */
  nextId(prefix: 's' | 'm'): string;
}

/**
 * Server side of one client. Owns its register deadline and its push timer; both stop on close.
 *
 * @example
 * ```ts
 * wss.on('connection', (socket) => new SimConnection(socket, env));
 * ```
 */
export class SimConnection {
  accountId: string | undefined;
  sessionId: string | undefined;
  private registerTimer: NodeJS.Timeout | undefined;
  private pushTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private idleKill: NodeJS.Timeout | undefined;
  /** Set when the idle timeout closed the socket: the ledger records 4008 even if the silent client never answered the close. */
  private idledOut = false;
  private pushed = 0;

  constructor(readonly socket: SimSocket, private readonly env: SimEnv) {
    socket.closeDelayMs = () => env.faults.closeSlowlyMs;
    socket.on('message', (data, isBinary) => this.onData(data, isBinary));
    socket.on('ping', (data) => this.onPing(data));
    // A malformed WebSocket frame surfaces here; ws closes the socket and 'close' follows.
    socket.on('error', () => {});
    socket.once('close', (code, reason) => this.onClose(code, reason.toString('utf8')));
    this.registerTimer = setTimeout(() => this.closeWith(CloseCode.registerTimeout, 'register timeout'), env.options.registerTimeoutMs);
    this.heardFrom();
  }

  /** Any frame from the client: restarts the idle timer (when on), and feeds the stale-frame count. */
  private heardFrom(): void {
    if (this.accountId !== undefined && this.sessionId !== undefined) this.env.ledger.recordFrame(this.accountId, this);
    const idle = this.env.options.idleTimeoutMs;
    if (idle <= 0) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.idleOut(), idle);
  }

  /** Drops a silent client as platforms do: close 4008, and cut the TCP connection if it does not answer within closeGraceMs. */
  private idleOut(): void {
    this.idledOut = true;
    this.closeWith(CloseCode.registerTimeout, 'idle timeout');
    this.idleKill = setTimeout(() => this.terminate(), this.env.options.closeGraceMs);
  }

  /** Half-open: the account's traffic is black-holed in both directions. */
  private get halfOpen(): boolean {
    return this.accountId !== undefined && this.env.faults.isHalfOpen(this.accountId);
  }

  /** Sends a `message` frame; returns its id, or `undefined` when nothing could be sent. */
  deliver(text: string, from: string): string | undefined {
    const id = this.env.nextId('m');
    return this.send({ type: 'message', id, from, text }) ? id : undefined;
  }

  /**
   * Sends `data` as it is, bypassing the protocol's encoder and the closing check (not half-open):
   * a frame type the client does not know, a malformed frame, or a frame sent after the client's
   * close frame, as a platform may until it answers that close. Returns whether it was sent.
   */
  sendRaw(data: string | Buffer): boolean {
    if (this.halfOpen || this.socket.readyState !== SimSocket.OPEN) return false;
    this.socket.send(data, { binary: typeof data !== 'string' });
    return true;
  }

  /** Closes from the server side with `code` (4000, 4001, …). */
  closeWith(code: number, reason: string): void {
    this.socket.serverClose(code, reason);
  }

  /** Kills the TCP connection without a close frame: the client sees 1006. */
  terminate(): void {
    this.socket.terminate();
  }

  private send(frame: ServerFrame): boolean {
    if (this.halfOpen || this.socket.closing || this.socket.readyState !== SimSocket.OPEN) return false;
    this.socket.send(encodeFrame(frame));
    return true;
  }

  private onPing(data: Buffer): void {
    this.heardFrom();
    // autoPong is off on the server so that half-open can swallow pings too.
    if (!this.halfOpen && this.socket.readyState === SimSocket.OPEN) this.socket.pong(data);
  }

  private onData(data: RawData, isBinary: boolean): void {
    this.heardFrom();
    if (this.halfOpen) return;
    const frame = isBinary ? undefined : parseFrame(clientFrameSchema, rawText(data));
    if (!frame) return this.closeWith(CloseCode.protocolError, 'invalid frame');
    if (frame.type === 'register') return this.onRegister(frame);
    if (!this.accountId || !this.sessionId) return this.closeWith(CloseCode.protocolError, `${frame.type} before register`);
    if (frame.type === 'heartbeat') this.send({ type: 'heartbeat_ack', seq: frame.seq });
    else this.onReply(this.accountId, this.sessionId, frame);
  }

  private onRegister(frame: Extract<ClientFrame, { type: 'register' }>): void {
    if (this.sessionId) return this.closeWith(CloseCode.protocolError, 'register twice');
    // A half-open account's register is lost on the way: no answer at all.
    if (this.env.faults.isHalfOpen(frame.accountId)) return;
    clearTimeout(this.registerTimer);
    const verdict = this.env.faults.verdictFor(frame.accountId) ?? this.env.options.auth(frame.accountId, frame.token);
    if (verdict === 'reject') return this.closeWith(CloseCode.credentialsRejected, 'credentials rejected');
    if (verdict === 'ban') return this.closeWith(CloseCode.accountBanned, 'account banned');
    const accountId = frame.accountId;
    const sessionId = this.env.nextId('s');
    this.accountId = accountId;
    this.sessionId = sessionId;
    const sessions = this.env.ledger.register(accountId, this, sessionId);
    this.send({ type: 'registered', sessionId });
    this.env.events.emit('registered', { accountId, sessionId, sessions });
    this.startPushing();
  }

  private onReply(accountId: string, sessionId: string, frame: Extract<ClientFrame, { type: 'reply' }>): void {
    this.env.ledger.recordReply(accountId, { messageId: frame.messageId, text: frame.text, at: Date.now(), sessionId });
    this.env.events.emit('reply', { accountId, messageId: frame.messageId, text: frame.text });
  }

  private startPushing(): void {
    const { rate, texts } = this.env.options;
    if (rate <= 0) return;
    this.pushTimer = setInterval(() => {
      const text = texts[this.pushed % texts.length] ?? '';
      this.pushed += 1;
      this.deliver(text, `customer-${(this.pushed % 7) + 1}`);
    }, 1000 / rate);
  }

  private onClose(code: number, reason: string): void {
    clearTimeout(this.registerTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.idleKill);
    clearInterval(this.pushTimer);
    if (this.idledOut) code = CloseCode.registerTimeout;
    this.env.ledger.openSockets -= 1;
    const { accountId, sessionId } = this;
    if (accountId !== undefined) this.env.ledger.unregister(accountId, this, code);
    this.env.events.emit('closed', { ...(accountId !== undefined ? { accountId, sessionId } : {}), code, reason });
  }
}
