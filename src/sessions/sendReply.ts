/**
 * The one path every reply takes, kept small and separate so it can later be routed through a
 * job runner without touching the session.
 */
import { MAX_TEXT_LENGTH, type ClientFrame } from '../protocol/protocol.js';
import type { ReplyOutcome } from './options.js';

/**
 * What {@link sendReply} needs from a session.
 *
 * @example
 * ```ts
 * const channel: ReplyChannel = { signal, canSend: () => ws.readyState === ws.OPEN, takeToken: () => bucket.tryTake(), send, count };
 * ```
 */
export interface ReplyChannel {
  /** The worker's signal: once aborted, nothing is sent. */
  readonly signal: AbortSignal;
  /** The session is registered and its socket open. */
  canSend(): boolean;
  /** Takes one token from the session's rate limit. */
  takeToken(): boolean;
  send(frame: ClientFrame): void;
  /** Records the outcome (counters, report). */
  count(outcome: ReplyOutcome): void;
}

/**
 * Sends a reply to `messageId` unless the session is stopping or closed (`'closed'`) or the rate
 * limit is exhausted (`'rate_limited'`, counted as a dropped reply). Text beyond the protocol's
 * 4 096 characters is cut, because the platform would otherwise close the session for it.
 *
 * @example
 * ```ts
 * if (sendReply(channel, 'm-1', 'Thanks!') === 'rate_limited') log.debug('reply dropped');
 * ```
 */
export function sendReply(channel: ReplyChannel, messageId: string, text: string): ReplyOutcome {
  let outcome: ReplyOutcome;
  if (channel.signal.aborted || !channel.canSend()) outcome = 'closed';
  else if (!channel.takeToken()) outcome = 'rate_limited';
  else {
    channel.send({ type: 'reply', messageId, text: text.slice(0, MAX_TEXT_LENGTH) });
    outcome = 'sent';
  }
  channel.count(outcome);
  return outcome;
}
