/**
 * Every option of `websocketSession()` and every default, in one place.
 */
import type { ClientOptions } from 'ws';
import type { Logger } from 'pino';
import type { Account } from '../account.js';
import type { RateLimit } from './tokenBucket.js';

/** A message the platform pushed to the session. @example `{ id: 'm-1', from: 'alice', text: 'price?' }` */
export interface SessionMessage {
  id: string;
  from: string;
  text: string;
}

/** What `sendReply` did with a reply. @example `if (ctx.reply('hi') === 'rate_limited') …` */
export type ReplyOutcome = 'sent' | 'rate_limited' | 'closed';

/**
 * What a message handler receives besides the message.
 *
 * @example
 * ```ts
 * const onMessage: MessageHandler = (m, ctx) => { if (m.text === 'ping') ctx.reply('pong'); };
 * ```
 */
export interface MessageContext {
  account: Account;
  /** Aborted when the session is stopping: long handlers should stop too. */
  signal: AbortSignal;
  log: Logger;
  /** Replies to this message through the session's rate limit. Never sends after `signal` aborted. */
  reply(text: string): ReplyOutcome;
}

/**
 * Handles one pushed message. May be async: the worker waits for running handlers (up to
 * `closeTimeoutMs`) before it settles. A throw or rejection is logged, not fatal.
 *
 * @example
 * ```ts
 * const echo: MessageHandler = (m, ctx) => { ctx.reply(m.text); };
 * ```
 */
export type MessageHandler = (message: SessionMessage, ctx: MessageContext) => void | Promise<void>;

/**
 * Options of `websocketSession()`. Only `url` is required.
 *
 * | option | default |
 * |---|---|
 * | `connectTimeoutMs` | 10 000 |
 * | `registerTimeoutMs` | 10 000 |
 * | `heartbeatIntervalMs` | 15 000 |
 * | `heartbeatTimeoutMs` | 10 000 |
 * | `closeTimeoutMs` | 2 000 |
 * | `reportThrottleMs` | 1 000 |
 * | `rateLimit` | `{ capacity: 5, refillPerSec: 1 }` |
 * | `onMessage` | keyword replies from `account.settings` |
 * | `wsOptions` | `{}` (ws's own defaults) |
 *
 * @example
 * ```ts
 * const options: WebsocketSessionOptions = { url: 'ws://127.0.0.1:8787', heartbeatIntervalMs: 5_000 };
 * ```
 */
export interface WebsocketSessionOptions {
  /** Platform URL, or a function of the account (for example a per-region host). Do not put secrets in it. */
  url: string | URL | ((account: Account) => string | URL);
  /** Bound on TCP connect + WebSocket upgrade. Default 10 000. */
  connectTimeoutMs?: number;
  /** Bound on `register` → `registered`. Default 10 000. */
  registerTimeoutMs?: number;
  /** How often a WebSocket ping and an application `heartbeat` frame are sent. Default 15 000. */
  heartbeatIntervalMs?: number;
  /** Longest wait for both the pong and the ack of a probe; then the socket is terminated. Default 10 000. */
  heartbeatTimeoutMs?: number;
  /** After an abort, how long the close handshake may take before `terminate()`. Default 2 000. */
  closeTimeoutMs?: number;
  /** Least time between two `report()` calls caused only by counter changes. Default 1 000. */
  reportThrottleMs?: number;
  /** Token bucket for replies, per session. Default `{ capacity: 5, refillPerSec: 1 }`. */
  rateLimit?: RateLimit;
  /** Message handler. Default: keyword auto-reply from `account.settings.keywords` / `defaultReply`. */
  onMessage?: MessageHandler;
  /** Passed to `new WebSocket(url, wsOptions)` (for example `headers`, `maxPayload`, `agent`). */
  wsOptions?: ClientOptions;
  /**
   * Checked before every outbound frame (register, heartbeat and its ping, reply). When it returns
   * `false` the session is fenced: the socket is dropped without a frame, nothing more is sent,
   * and the worker waits for its cancellation. Cluster mode passes the lease trust window here,
   * so a node waking from a pause after losing an account sends nothing on the old session.
   * Default: always allowed.
   */
  canSend?: (account: Account) => boolean;
}

/** {@link WebsocketSessionOptions} with every default applied. @example `resolveSessionOptions({ url }).heartbeatTimeoutMs // 10000` */
export interface ResolvedSessionOptions extends Required<Omit<WebsocketSessionOptions, 'onMessage' | 'canSend'>> {
  onMessage: MessageHandler | undefined;
  canSend: ((account: Account) => boolean) | undefined;
}

/**
 * The defaults of {@link WebsocketSessionOptions}, frozen.
 *
 * @example
 * ```ts
 * SESSION_DEFAULTS.heartbeatIntervalMs; // 15000
 * ```
 */
export const SESSION_DEFAULTS = Object.freeze({
  connectTimeoutMs: 10_000,
  registerTimeoutMs: 10_000,
  heartbeatIntervalMs: 15_000,
  heartbeatTimeoutMs: 10_000,
  closeTimeoutMs: 2_000,
  reportThrottleMs: 1_000,
  rateLimit: Object.freeze({ capacity: 5, refillPerSec: 1 }),
});

const MAX_TIMER_MS = 2_147_483_647;
const DURATIONS = ['connectTimeoutMs', 'registerTimeoutMs', 'heartbeatIntervalMs', 'heartbeatTimeoutMs', 'closeTimeoutMs', 'reportThrottleMs'] as const;

/**
 * Applies the defaults and checks durations; throws a `RangeError` naming the bad option, at
 * `websocketSession()` time rather than inside a running task.
 *
 * @example
 * ```ts
 * resolveSessionOptions({ url: 'ws://127.0.0.1:1' }).closeTimeoutMs; // 2000
 * ```
 */
export function resolveSessionOptions(options: WebsocketSessionOptions): ResolvedSessionOptions {
  const resolved: ResolvedSessionOptions = {
    ...SESSION_DEFAULTS,
    wsOptions: {},
    ...stripUndefined(options),
    url: options.url,
    rateLimit: { ...(options.rateLimit ?? SESSION_DEFAULTS.rateLimit) },
    onMessage: options.onMessage,
    canSend: options.canSend,
  };
  if (typeof options.url !== 'string' && typeof options.url !== 'function' && !(options.url instanceof URL)) {
    throw new TypeError('websocketSession: url is required (a string, a URL, or a function of the account)');
  }
  for (const key of DURATIONS) {
    const value = resolved[key];
    // 0 is meaningful only for closeTimeoutMs (terminate at once) and reportThrottleMs (no throttle).
    const min = key === 'closeTimeoutMs' || key === 'reportThrottleMs' ? 0 : 1;
    // Above 2^31 - 1 ms, Node's timers silently fire after 1 ms instead.
    if (typeof value !== 'number' || !(value >= min && value <= MAX_TIMER_MS)) {
      throw new RangeError(`websocketSession: ${key} must be a number of milliseconds from ${min} to ${MAX_TIMER_MS}, got ${String(value)}`);
    }
  }
  return resolved;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
