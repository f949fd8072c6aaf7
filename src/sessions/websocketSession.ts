/**
 * A ready-made worker: one WebSocket session per account against a platform speaking the
 * statevisor session protocol (`src/protocol/PROTOCOL.md`).
 */
import type { Worker } from '../worker/worker.js';
import { withSettingsSchema, type DeclaresSettings } from '../settingsSchema.js';
import { resolveSessionOptions, type MessageHandler, type WebsocketSessionOptions } from './options.js';
import { compileKeywordSettings, keywordSettingsSchema, matchReply, type KeywordSettings } from './keywordReply.js';
import { createTokenBucket } from './tokenBucket.js';
import { SessionRun } from './sessionRun.js';

export { SESSION_DEFAULTS } from './options.js';
export type { WebsocketSessionOptions, MessageHandler, MessageContext, SessionMessage, ReplyOutcome } from './options.js';
export type { RateLimit } from './tokenBucket.js';
export { sendReply, type ReplyChannel } from './sendReply.js';
export * from './errors.js';

/**
 * A {@link Worker} that keeps one WebSocket session open for its account.
 *
 * It connects (bounded by `connectTimeoutMs`), registers with `account.credentials` as the token
 * (bounded by `registerTimeoutMs`), then keeps the link alive with WebSocket pings and
 * application heartbeats; a probe unanswered for `heartbeatTimeoutMs` terminates the socket and
 * fails with a retryable `HeartbeatTimeoutError`. Close codes 4001 (credentials rejected),
 * 4003 (banned) and 4002 (protocol violation) fail with `retryable: false`; every other end fails
 * retryably. On abort it closes with 1000, terminates after `closeTimeoutMs`, and resolves.
 * Pushed messages go to `onMessage` (default: keyword replies from `account.settings`).
 * Live details go to `report()`: `connected`, `connectedAt`, `sessionId`, `lastHeartbeatAt`,
 * `messagesIn`, `messagesOut`, `repliesDropped`.
 *
 * The worker declares {@link keywordSettingsSchema} as its `settingsSchema`: the supervisor
 * refuses accounts whose `keywords` / `defaultReply` are invalid (a custom `onMessage` that reads
 * other settings can declare its own with `withSettingsSchema(websocketSession(…), schema)`).
 *
 * Throws a `RangeError` at once for invalid options. All defaults: {@link WebsocketSessionOptions}.
 *
 * @example
 * ```ts
 * const supervisor = createSupervisor({ worker: websocketSession({ url: 'ws://127.0.0.1:8787' }) });
 * await supervisor.add({ id: 'shop-1', credentials: 'tok', settings: { keywords: [{ match: 'price', reply: '10 €' }] } });
 * ```
 */
export function websocketSession(options: WebsocketSessionOptions): Worker & DeclaresSettings {
  const opts = resolveSessionOptions(options);
  // Fail at configuration time, not inside every task.
  createTokenBucket(opts.rateLimit);
  const worker: Worker = async (ctx) => {
    if (ctx.signal.aborted) return;
    const handler = opts.onMessage ?? keywordHandler(compileKeywordSettings(ctx.account.settings));
    await new SessionRun(ctx, opts, handler).run();
  };
  return withSettingsSchema(worker, keywordSettingsSchema);
}

/**
 * The default message handler: replies with the first matching keyword rule, else `defaultReply`.
 *
 * @example
 * ```ts
 * websocketSession({ url, onMessage: keywordHandler(compileKeywordSettings(settings)) });
 * ```
 */
export function keywordHandler(settings: KeywordSettings): MessageHandler {
  return (message, ctx) => {
    const text = matchReply(settings, message.text);
    if (text !== undefined) ctx.reply(text);
  };
}

export { compileKeywordSettings, keywordSettingsSchema, matchReply, type KeywordSettings } from './keywordReply.js';
