/**
 * One run of a WebSocket session, from connect to the socket's `close` event. It owns the
 * socket, every timer and the abort listener, and releases them all before `run()` settles.
 */
import { WebSocket, type RawData } from 'ws';
import type { WorkerContext } from '../worker/worker.js';
import { CloseCode, encodeFrame, parseFrame, serverFrameSchema, type ClientFrame, type ServerFrame } from '../protocol/protocol.js';
import { ConnectTimeoutError, FENCED_WAIT_MS, HeartbeatTimeoutError, InvalidSessionUrlError, RegisterTimeoutError, SessionFencedError } from './errors.js';
import { errorForClose } from './closeCodes.js';
import { Heartbeat } from './heartbeat.js';
import { ThrottledReporter } from './reporter.js';
import { createTokenBucket, type TokenBucket } from './tokenBucket.js';
import { sendReply, type ReplyChannel } from './sendReply.js';
import { JobCancelledError } from '../jobs/errors.js';
import type { MessageHandler, ReplyOutcome, ResolvedSessionOptions } from './options.js';
import { safeUrl, resolveUrl, rawText, settleWithin } from './util.js';
import { systemClock, type Clock, type TimerHandle } from '../clock/clock.js';

/**
 * Where one run stands: exactly one of these at a time. `connecting → registering → live` while
 * the session is up; then either `cancelled` (the task's signal aborted: close handshake or
 * terminate) or `failed` (a timeout or a heartbeat ended it: terminate), and finally `closed`
 * once the socket's `close` event came, carrying the error `run()` rejects with (none after a cancel).
 * `fenced`: the `canSend` guard refused an outbound frame (cluster mode: this node no longer holds
 * the account); the socket is dropped without a frame and nothing is ever sent again on this run.
 */
type RunState =
  | { readonly kind: 'connecting' | 'registering' | 'live' }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'fenced' }
  | { readonly kind: 'failed'; readonly error: Error }
  | { readonly kind: 'closed'; readonly error: Error | undefined; readonly fenced: boolean };

/** How long to wait for ws's `close` event after `terminate()` before settling anyway. */
const TERMINATE_GRACE_MS = 1_000;

/**
 * Runs one session; `run()` resolves after an abort and rejects with the reason of any other end.
 *
 * @example
 * ```ts
 * await new SessionRun(ctx, resolveSessionOptions({ url }), handler).run();
 * ```
 */
export class SessionRun implements ReplyChannel {
  private ws: WebSocket | undefined;
  private state: RunState = { kind: 'connecting' };
  private lastSocketError: Error | undefined;
  private phaseTimer: TimerHandle | undefined;
  private closeTimer: TimerHandle | undefined;
  private graceTimer: TimerHandle | undefined;
  /** The supervisor's clock (`ctx.clock`): every timer and timestamp of the session. */
  private readonly clock: Clock;
  private readonly handlers = new Set<Promise<void>>();
  private readonly heartbeat: Heartbeat;
  private readonly reporter: ThrottledReporter;
  private readonly bucket: TokenBucket;
  private resolveClosed: () => void = () => {};
  private readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));
  readonly signal: AbortSignal;

  constructor(
    private readonly ctx: WorkerContext,
    private readonly opts: ResolvedSessionOptions,
    private readonly handler: MessageHandler,
  ) {
    this.signal = ctx.signal;
    const clock = (this.clock = ctx.clock ?? systemClock);
    this.bucket = createTokenBucket(opts.rateLimit, () => clock.now());
    this.reporter = new ThrottledReporter((details) => ctx.report(details), opts.reportThrottleMs, clock);
    this.heartbeat = new Heartbeat({
      clock,
      intervalMs: opts.heartbeatIntervalMs,
      timeoutMs: opts.heartbeatTimeoutMs,
      probe: (seq) => this.probe(seq),
      onTimeout: (missing) => this.fail(new HeartbeatTimeoutError(opts.heartbeatTimeoutMs, missing)),
      onAlive: (at) => {
        this.reporter.details.lastHeartbeatAt = at;
        this.reporter.now();
      },
    });
  }

  /** Connects and lives until the socket closes; then releases everything. */
  async run(): Promise<void> {
    if (this.signal.aborted) return;
    const onAbort = (): void => this.cancel();
    this.signal.addEventListener('abort', onAbort, { once: true });
    try {
      this.open();
      await this.closed;
    } finally {
      this.signal.removeEventListener('abort', onAbort);
      this.release();
      await settleWithin(Promise.allSettled(this.handlers), this.opts.closeTimeoutMs, this.clock);
    }
    if (this.state.kind === 'closed' && this.state.error) throw this.state.error;
    if (this.state.kind === 'closed' && this.state.fenced) await this.awaitCancellation();
  }

  canSend(): boolean {
    return this.state.kind === 'live' && this.ws?.readyState === WebSocket.OPEN && this.allowed();
  }

  takeToken(): boolean {
    return this.bucket.tryTake();
  }

  send(frame: ClientFrame): void {
    if (!this.allowed()) return;
    this.ws?.send(encodeFrame(frame));
  }

  /** The `canSend` guard, read before every outbound frame; the first refusal fences the run. */
  private allowed(): boolean {
    const kind = this.state.kind;
    if (kind === 'fenced' || (this.state.kind === 'closed' && this.state.fenced)) return false;
    if (!this.opts.canSend || this.opts.canSend(this.ctx.account)) return true;
    this.fence();
    return false;
  }

  /** Drops the socket without a frame (no close handshake: that too would be a frame). */
  private fence(): void {
    if (this.state.kind === 'closed') return;
    this.state = { kind: 'fenced' };
    this.ctx.log.warn('session fenced: the guard refused an outbound frame (in cluster mode: this node no longer holds the account); sending nothing more');
    this.clearTimer(this.phaseTimer);
    this.terminate();
  }

  /** A fenced run ends when the task is cancelled (the owner of the guard does that), bounded. */
  private async awaitCancellation(): Promise<void> {
    if (this.signal.aborted) return;
    const aborted = new Promise<void>((resolve) => this.signal.addEventListener('abort', () => resolve(), { once: true }));
    await settleWithin(aborted, FENCED_WAIT_MS, this.clock);
    if (!this.signal.aborted) throw new SessionFencedError(FENCED_WAIT_MS);
  }

  count(outcome: ReplyOutcome): void {
    if (outcome === 'closed') return;
    if (outcome === 'sent') this.reporter.details.messagesOut += 1;
    else this.reporter.details.repliesDropped += 1;
    this.reporter.countersChanged();
  }

  private open(): void {
    const url = resolveUrl(this.opts.url, this.ctx.account);
    this.ctx.log.info({ url: safeUrl(url) }, 'session connecting');
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, this.opts.wsOptions);
    } catch (e) {
      throw new InvalidSessionUrlError(e);
    }
    this.ws = ws;
    ws.on('open', () => this.onOpen());
    ws.on('message', (data, isBinary) => this.onData(data, isBinary));
    ws.on('pong', () => this.heartbeat.pong());
    ws.on('error', (err) => (this.lastSocketError = err));
    ws.once('close', (code, reason) => this.onClose(code, reason.toString('utf8')));
    this.phaseTimer = this.clock.setTimeout(() => this.fail(new ConnectTimeoutError(this.opts.connectTimeoutMs)), this.opts.connectTimeoutMs);
  }

  private onOpen(): void {
    if (this.state.kind !== 'connecting') return;
    this.clearTimer(this.phaseTimer);
    this.state = { kind: 'registering' };
    this.send({ type: 'register', accountId: this.ctx.account.id, token: this.ctx.account.credentials ?? '' });
    this.phaseTimer = this.clock.setTimeout(() => this.fail(new RegisterTimeoutError(this.opts.registerTimeoutMs)), this.opts.registerTimeoutMs);
  }

  private onData(data: RawData, isBinary: boolean): void {
    const frame = isBinary ? undefined : parseFrame(serverFrameSchema, rawText(data));
    // Unknown frames are ignored, as the protocol asks, so the platform can add new ones.
    if (!frame) return this.ctx.log.debug('ignored an unknown frame');
    if (frame.type === 'registered') this.onRegistered(frame.sessionId);
    else if (frame.type === 'heartbeat_ack') this.heartbeat.ack(frame.seq);
    else this.onMessage(frame);
  }

  private onRegistered(sessionId: string): void {
    if (this.state.kind !== 'registering') return;
    this.clearTimer(this.phaseTimer);
    this.state = { kind: 'live' };
    Object.assign(this.reporter.details, { connected: true, connectedAt: this.clock.now(), sessionId });
    this.reporter.now();
    this.heartbeat.start();
    // The login is done: admission control (holdUntil 'ready') stops counting this start as in flight.
    this.ctx.ready?.();
    this.ctx.log.info({ sessionId }, 'session registered');
  }

  private onMessage(frame: Extract<ServerFrame, { type: 'message' }>): void {
    if (this.state.kind !== 'live') return;
    this.reporter.details.messagesIn += 1;
    this.reporter.countersChanged();
    const { account, signal, log } = this.ctx;
    const message = { id: frame.id, from: frame.from, text: frame.text };
    const reply = (text: string): ReplyOutcome => sendReply(this, frame.id, text);
    // Each message is handled as a job in the account's `reply` lane: one at a time and in order,
    // cancelled with the task, and counted against the runner's concurrency.
    try {
      const job = this.ctx.jobs.submit(`message:${frame.id}`, async (jobSignal) => {
        await this.handler(message, { account, signal: AbortSignal.any([signal, jobSignal]), log, reply });
      }, { lane: 'reply' });
      this.track(job.result);
    } catch (e) {
      // Queue full or the task is stopping: the message goes unanswered, counted as a dropped reply.
      this.count('rate_limited');
      log.warn({ err: e, messageId: frame.id }, 'message not handled');
    }
  }

  /** Keeps a running async handler so `run()` can wait for it; its failure is logged, not fatal. */
  private track(result: Promise<void>): void {
    const done: Promise<void> = result
      .catch((e: unknown) =>
        e instanceof JobCancelledError
          ? this.ctx.log.debug({ err: e }, 'message handling cancelled')
          : this.ctx.log.warn({ err: e }, 'message handler rejected'),
      )
      .finally(() => this.handlers.delete(done));
    this.handlers.add(done);
  }

  private probe(seq: number): void {
    if (this.ws?.readyState !== WebSocket.OPEN || !this.allowed()) return;
    this.ws.ping();
    this.send({ type: 'heartbeat', seq });
  }

  /** Abort: close 1000, wait for the handshake up to closeTimeoutMs, then terminate. */
  private cancel(): void {
    if (!this.up()) return;
    this.state = { kind: 'cancelled' };
    this.heartbeat.stop();
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CONNECTING) return this.terminate();
    ws.close(CloseCode.normal, 'cancelled');
    this.closeTimer = this.clock.setTimeout(() => {
      this.ctx.log.warn({ closeTimeoutMs: this.opts.closeTimeoutMs }, 'close handshake timed out, terminating');
      this.terminate();
    }, this.opts.closeTimeoutMs);
  }

  private fail(error: Error): void {
    if (!this.up()) return;
    this.state = { kind: 'failed', error };
    this.terminate();
  }

  private terminate(): void {
    this.heartbeat.stop();
    this.ws?.terminate();
    // ws emits 'close' once the socket is destroyed; should it not, settle anyway.
    this.graceTimer ??= this.clock.setTimeout(() => this.onClose(CloseCode.abnormal, 'no close event after terminate'), TERMINATE_GRACE_MS);
  }

  private onClose(code: number, reason: string): void {
    const was = this.state;
    if (was.kind === 'closed') return;
    const error = was.kind === 'failed' ? was.error : was.kind === 'cancelled' || was.kind === 'fenced' ? undefined : errorForClose(code, reason, was.kind, this.lastSocketError);
    this.state = { kind: 'closed', error, fenced: was.kind === 'fenced' };
    if (error) this.ctx.log.warn({ closeCode: code, code: (error as { code?: string }).code }, 'session ended');
    else this.ctx.log.info({ closeCode: code }, 'session closed');
    this.resolveClosed();
  }

  /** Connecting, registering or live: neither cancelled, failed nor closed. */
  private up(): boolean {
    const kind = this.state.kind;
    return kind === 'connecting' || kind === 'registering' || kind === 'live';
  }

  private clearTimer(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.clock.clearTimeout(handle);
  }

  /** Stops every timer, detaches from the socket and reports the disconnect. */
  private release(): void {
    this.heartbeat.stop();
    this.reporter.stop();
    this.clearTimer(this.phaseTimer);
    this.clearTimer(this.closeTimer);
    this.clearTimer(this.graceTimer);
    if (this.ws) {
      this.ws.removeAllListeners();
      // A late 'error' from a detached socket must not become an uncaught exception.
      this.ws.on('error', () => {});
      if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
    }
    if (this.reporter.details.connected) {
      this.reporter.details.connected = false;
      this.reporter.now();
    }
  }
}
