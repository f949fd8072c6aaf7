/**
 * The reply path on its own: the session never lets a stopping worker reply (its socket may still
 * be open while the worker is being cancelled), so the guard must live here.
 */
import { describe, expect, it } from 'vitest';
import type { ClientFrame } from '../../src/protocol/protocol.js';
import { MAX_TEXT_LENGTH } from '../../src/protocol/protocol.js';
import type { ReplyOutcome } from '../../src/sessions/options.js';
import { sendReply, type ReplyChannel } from '../../src/sessions/sendReply.js';

function channel(opts: { aborted?: boolean; open?: boolean; tokens?: number } = {}) {
  const controller = new AbortController();
  if (opts.aborted) controller.abort();
  let tokens = opts.tokens ?? 10;
  const sent: ClientFrame[] = [];
  const counted: ReplyOutcome[] = [];
  let tokensTaken = 0;
  const ch: ReplyChannel = {
    signal: controller.signal,
    canSend: () => opts.open ?? true,
    takeToken: () => {
      tokensTaken += 1;
      if (tokens === 0) return false;
      tokens -= 1;
      return true;
    },
    send: (frame) => sent.push(frame),
    count: (o) => counted.push(o),
  };
  return { ch, sent, counted, tokensTaken: () => tokensTaken };
}

describe('sendReply', () => {
  it('sends nothing once the signal aborted, even with an open socket and tokens left, and takes no token', () => {
    const c = channel({ aborted: true, open: true });
    expect(sendReply(c.ch, 'm-1', 'hello')).toBe('closed');
    expect(c.sent).toEqual([]);
    expect(c.counted).toEqual(['closed']);
    expect(c.tokensTaken()).toBe(0);
  });

  it('sends nothing on a closed session', () => {
    const c = channel({ open: false });
    expect(sendReply(c.ch, 'm-1', 'hello')).toBe('closed');
    expect(c.sent).toEqual([]);
  });

  it('drops a reply when the rate limit is exhausted, and counts it', () => {
    const c = channel({ tokens: 0 });
    expect(sendReply(c.ch, 'm-1', 'hello')).toBe('rate_limited');
    expect(c.sent).toEqual([]);
    expect(c.counted).toEqual(['rate_limited']);
  });

  it('sends a reply frame to the message, cut to the protocol limit', () => {
    const c = channel();
    expect(sendReply(c.ch, 'm-1', 'x'.repeat(MAX_TEXT_LENGTH + 10))).toBe('sent');
    expect(c.sent).toEqual([{ type: 'reply', messageId: 'm-1', text: 'x'.repeat(MAX_TEXT_LENGTH) }]);
    expect(c.counted).toEqual(['sent']);
  });
});
