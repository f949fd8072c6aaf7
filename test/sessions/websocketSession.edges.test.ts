/**
 * The session worker's message path and logs, against the real simulator, where the mutation run
 * of sessionRun.ts found nothing watching: a handler's signal aborts with the task; messages are
 * handled one at a time, in order (the `reply` lane); a handler that rejects is logged and the
 * session goes on; a handler cancelled before it ran is logged as such; the connecting line shows
 * the URL without its query; a refused connection says why; frames it does not know, and a
 * message after its own close frame, are ignored; its close frame says why it closed.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { FENCED_WAIT_MS } from '../../src/sessions/errors.js';
import { websocketSession, type WebsocketSessionOptions } from '../../src/sessions/websocketSession.js';
import { createSupervisor, memoryStore } from '../../src/index.js';
import type { Account } from '../../src/account.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { sleep, waitUntil } from '../simulator/helpers.js';
import { account, makeCtx, outcome, type TestCtx } from './helpers.js';
import { memoryLogger, type LogLine } from '../helpers/memoryLogger.js';
import { testJobs } from '../helpers/jobs.js';

const FAST = { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 400, closeTimeoutMs: 300, connectTimeoutMs: 1_000, registerTimeoutMs: 1_000, reportThrottleMs: 0 };

let sim: Simulator | undefined;
const running: { t: TestCtx; done: Promise<unknown> }[] = [];
afterEach(async () => {
  for (const { t, done } of running.splice(0)) {
    t.controller.abort();
    await done;
  }
  await sim?.close();
  sim = undefined;
});

/** A context whose log lines (down to trace) are kept, parsed. */
function loggedCtx(acc: Account): TestCtx & { lines: LogLine[] } {
  const { logger, lines } = memoryLogger('trace');
  return { ...makeCtx(acc, logger), lines };
}

function start(acc: Account, options: Partial<WebsocketSessionOptions>, t: TestCtx = makeCtx(acc)) {
  const result = outcome(websocketSession({ url: sim!.url, ...FAST, ...options })(t.ctx));
  running.push({ t, done: result });
  return { ...t, result };
}

describe('the message path', () => {
  it("a handler's signal aborts when the task is cancelled", async () => {
    sim = await createSimulator();
    let handlerSignal: AbortSignal | undefined;
    const s = start(account('a'), {
      onMessage: async (_m, ctx) => {
        handlerSignal = ctx.signal;
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      },
    });
    await waitUntil(() => s.latest().connected === true);
    sim.push('a', 'hello');
    await waitUntil(() => handlerSignal !== undefined);
    expect(handlerSignal!.aborted).toBe(false);
    const began = Date.now();
    s.controller.abort();
    expect(await s.result).toEqual({ ok: true });
    expect(handlerSignal!.aborted).toBe(true);
    // It ended with the abort, not at the close timeout that bounds a handler ignoring it.
    expect(Date.now() - began).toBeLessThan(FAST.closeTimeoutMs + 1_000);
  });

  it('handles messages one at a time, in the order they came', async () => {
    sim = await createSimulator();
    const seen: string[] = [];
    const s = start(account('a'), {
      onMessage: async (m) => {
        seen.push(`start ${m.text}`);
        await sleep(m.text === 'first' ? 150 : 10);
        seen.push(`end ${m.text}`);
      },
    });
    await waitUntil(() => s.latest().connected === true);
    sim.push('a', 'first');
    sim.push('a', 'second');
    await waitUntil(() => seen.length === 4, 3_000, 'both handled');
    expect(seen).toEqual(['start first', 'end first', 'start second', 'end second']);
  });

  it('a handler that rejects is logged with its error, and the session goes on', async () => {
    sim = await createSimulator();
    const t = loggedCtx(account('a'));
    const s = start(account('a'), {
      onMessage: (m, ctx) => {
        if (m.text === 'bad') return Promise.reject(new Error('handler broke'));
        ctx.reply('fine');
        return Promise.resolve();
      },
    }, t);
    await waitUntil(() => s.latest().connected === true);
    sim.push('a', 'bad');
    await waitUntil(() => t.lines.some((l) => l.msg === 'message handler rejected'), 3_000, 'the warning');
    expect(t.lines.find((l) => l.msg === 'message handler rejected')).toMatchObject({ level: 40, err: { message: 'handler broke' } });
    sim.push('a', 'good');
    await waitUntil(() => sim!.replies('a').length === 1, 3_000, 'the next reply');
    expect(sim.sessions('a')).toBe(1);
  });

  it('a message still queued when the task stops is logged as cancelled, at debug (under a real supervisor)', async () => {
    sim = await createSimulator();
    const { logger, lines } = memoryLogger('trace');
    let first = true;
    const sup = createSupervisor({
      store: memoryStore(),
      logger,
      cancelTimeoutMs: 2_000,
      worker: websocketSession({
        url: sim.url,
        ...FAST,
        onMessage: async (_m, ctx) => {
          if (!first) return;
          first = false;
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
        },
      }),
    });
    await sup.start();
    try {
      await sup.add({ id: 'a', credentials: 'tok' });
      await sup.waitFor('a', (st) => st.report?.connected === true);
      sim.push('a', 'one');
      sim.push('a', 'two'); // waits in the reply lane behind the first
      await sup.waitFor('a', (st) => st.report?.messagesIn === 2);
      await sup.disable('a');
      // The queued message, and the running one whose handler the abort ended.
      const cancelled = lines.filter((l) => l.msg === 'message handling cancelled');
      expect(cancelled).toHaveLength(2);
      for (const line of cancelled) expect(line).toMatchObject({ level: 20, accountId: 'a', err: { code: 'JOB_CANCELLED' } });
      expect(lines.filter((l) => l.msg === 'message handler rejected')).toEqual([]);
    } finally {
      await sup.shutdown({ timeoutMs: 2_000 });
    }
  });
});

describe('messages the session does not handle', () => {
  it('one beyond the task\'s job queue is dropped, counted and logged, and the session goes on', async () => {
    sim = await createSimulator();
    const t = loggedCtx(account('a', 'tok', { defaultReply: 'ok' }));
    // One reply at a time, one waiting: the third message finds the queue full.
    const ctx = { ...t.ctx, jobs: testJobs({ lanes: { reply: 1 }, maxQueue: 1 }) };
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const s = start(account('a'), {
      onMessage: async (m, c) => {
        if (m.text === 'first') await held;
        c.reply('ok');
      },
    }, { ...t, ctx });
    await waitUntil(() => s.latest().connected === true);
    const ids = [sim.push('a', 'first'), sim.push('a', 'second'), sim.push('a', 'third')].flat();
    await waitUntil(() => t.lines.some((l) => l.msg === 'message not handled'), 3_000, 'the dropped message');
    expect(t.lines.find((l) => l.msg === 'message not handled')).toMatchObject({ level: 40, messageId: ids[2], err: { code: 'QUEUE_FULL' } });
    await waitUntil(() => s.latest().repliesDropped === 1);
    release();
    await waitUntil(() => sim!.replies('a').length === 2, 3_000, 'the two handled');
    expect(sim.replies('a').map((r) => r.messageId)).toEqual([ids[0], ids[1]]);
  });
});

describe('a fenced session (its canSend guard refused)', () => {
  it('says so once, at warn', async () => {
    sim = await createSimulator({ registerTimeoutMs: 5_000 });
    const t = loggedCtx(account('a'));
    const s = start(account('a'), { canSend: () => false }, t);
    await waitUntil(() => sim!.stats().totalConnections === 1 && sim!.stats().openSockets === 0, 2_000, 'the connection to open and drop');
    expect(t.lines.filter((l) => l.msg.startsWith('session fenced'))).toEqual([
      expect.objectContaining({ level: 40, msg: 'session fenced: the guard refused an outbound frame (in cluster mode: this node no longer holds the account); sending nothing more' }),
    ]);
    s.controller.abort();
    expect(await s.result).toEqual({ ok: true });
  });

  it('ends at once when its task was cancelled while it was being fenced', async () => {
    sim = await createSimulator({ registerTimeoutMs: 5_000 });
    const t = makeCtx(account('a'));
    // The guard's owner cancels the task in the same breath as it refuses.
    const s = start(account('a'), {
      canSend: () => {
        t.controller.abort();
        return false;
      },
    }, t);
    const began = Date.now();
    expect(await s.result).toEqual({ ok: true });
    expect(Date.now() - began).toBeLessThan(5_000);
  });

  it(`fails with SESSION_FENCED when nobody cancels it within ${FENCED_WAIT_MS} ms (simulated clock)`, async () => {
    sim = await createSimulator({ registerTimeoutMs: 5_000 });
    const clock = new SimulatedClock();
    const t = makeCtx(account('a'));
    const s = start(account('a'), { canSend: () => false }, { ...t, ctx: { ...t.ctx, clock } });
    await waitUntil(() => sim!.stats().totalConnections === 1 && sim!.stats().openSockets === 0, 2_000, 'the connection to open and drop');
    await sleep(50);
    clock.increment(FENCED_WAIT_MS - 1);
    await sleep(50);
    let settled = false;
    void s.result.then(() => (settled = true));
    await sleep(50);
    expect(settled).toBe(false);
    clock.increment(1);
    const r = await s.result;
    expect(!r.ok && r.error).toMatchObject({ code: 'SESSION_FENCED' });
  });
});

describe('a reply after the session dropped', () => {
  it('is not sent: the outcome is "closed", though the task was not cancelled', async () => {
    sim = await createSimulator();
    const outcomes: string[] = [];
    const s = start(account('a'), {
      closeTimeoutMs: 2_000,
      onMessage: async (_m, ctx) => {
        await sleep(200);
        outcomes.push(ctx.reply('late'));
      },
    });
    await waitUntil(() => s.latest().connected === true);
    sim.push('a', 'hello');
    await sleep(20);
    sim.drop('a');
    const r = await s.result;
    expect(r.ok).toBe(false); // the drop ended the session with an error, not the task's cancel
    expect(s.controller.signal.aborted).toBe(false);
    expect(outcomes).toEqual(['closed']);
    expect(sim.replies('a')).toEqual([]);
  });
});

describe('frames the session does not expect', () => {
  it('an unknown frame type and a binary frame are ignored at debug, and the session goes on', async () => {
    sim = await createSimulator();
    const t = loggedCtx(account('a'));
    const handled: string[] = [];
    const s = start(account('a'), { onMessage: (m) => void handled.push(m.text) }, t);
    await waitUntil(() => s.latest().connected === true);
    // A platform may add frame types; the protocol asks clients to ignore those they do not know.
    expect(sim.sendRaw('a', JSON.stringify({ type: 'notice', text: 'maintenance at 03:00' }))).toBe(1);
    expect(sim.sendRaw('a', Buffer.from([1, 2, 3]))).toBe(1);
    sim.push('a', 'still here');
    await waitUntil(() => handled.length === 1, 3_000, 'the message after them');
    expect(handled).toEqual(['still here']);
    expect(t.lines.filter((l) => l.msg === 'ignored an unknown frame').map((l) => l.level)).toEqual([20, 20]);
    expect(sim.sessions('a')).toBe(1);
  });

  it('a message that arrives after the session sent its close frame is not handled', async () => {
    sim = await createSimulator();
    const t = loggedCtx(account('a'));
    const handled: string[] = [];
    const s = start(account('a'), { onMessage: (m) => void handled.push(m.text) }, t);
    await waitUntil(() => s.latest().connected === true);
    const messagesIn = s.latest().messagesIn;
    sim.closeSlowly(400);
    s.controller.abort();
    await sleep(50);
    // The platform has not answered the close yet and still writes to the socket.
    expect(sim.sendRaw('a', JSON.stringify({ type: 'message', id: 'm-late', from: 'c', text: 'too late' }))).toBe(1);
    expect(sim.sendRaw('a', JSON.stringify({ type: 'notice' }))).toBe(1);
    // Frames arrive in order: once the notice was seen, the message before it was too.
    await waitUntil(() => t.lines.some((l) => l.msg === 'ignored an unknown frame'), 3_000, 'the frame after the message');
    expect(await s.result).toEqual({ ok: true });
    expect(handled).toEqual([]);
    expect(t.lines.filter((l) => l.msg === 'message not handled')).toEqual([]);
    expect(s.latest().messagesIn).toBe(messagesIn);
  });

  it("a cancelled session's close frame says 1000 'cancelled' to the platform", async () => {
    sim = await createSimulator();
    const closes: { code: number; reason: string }[] = [];
    sim.on('closed', ({ code, reason }) => closes.push({ code, reason }));
    const s = start(account('a'), {});
    await waitUntil(() => s.latest().connected === true);
    s.controller.abort();
    expect(await s.result).toEqual({ ok: true });
    await waitUntil(() => closes.length === 1, 3_000, "the platform's closed event");
    expect(closes).toEqual([{ code: 1000, reason: 'cancelled' }]);
  });
});

describe('a reply while the session closes', () => {
  it('is refused as "closed" and not counted as a dropped reply', async () => {
    sim = await createSimulator();
    const outcomes: string[] = [];
    const s = start(account('a'), {
      onMessage: async (_m, ctx) => {
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
        outcomes.push(ctx.reply('on my way out'));
      },
    });
    await waitUntil(() => s.latest().connected === true);
    sim.push('a', 'hello');
    await waitUntil(() => s.latest().messagesIn === 1);
    // The platform holds its answer to the close frame: the reply comes before the socket closed.
    sim.closeSlowly(300);
    s.controller.abort();
    expect(await s.result).toEqual({ ok: true });
    expect(outcomes).toEqual(['closed']);
    expect(s.reports.at(-1)).toMatchObject({ connected: false, repliesDropped: 0, messagesOut: 0 });
    expect(sim.replies('a')).toEqual([]);
  });
});

describe('what the session says', () => {
  it('logs the URL it connects to without its query (where tokens go)', async () => {
    sim = await createSimulator();
    const t = loggedCtx(account('a'));
    const s = start(account('a'), { url: `${sim.url}?token=query-secret` }, t);
    await waitUntil(() => s.latest().connected === true);
    const connecting = t.lines.find((l) => l.msg === 'session connecting');
    expect(connecting?.url).toBe(new URL(sim.url).href.replace(/\?.*$/, ''));
    expect(JSON.stringify(t.lines)).not.toContain('query-secret');
    // The registered line names the platform's session, as the report does.
    expect(t.lines.find((l) => l.msg === 'session registered')).toMatchObject({ sessionId: s.latest().sessionId });
    expect(typeof s.latest().sessionId).toBe('string');
  });

  it('a refused connection names the socket error', async () => {
    sim = await createSimulator();
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as net.AddressInfo;
        server.close(() => resolve(p));
      });
    });
    const s = start(account('a'), { url: `ws://127.0.0.1:${port}/` });
    const r = await s.result;
    expect(!r.ok && r.error.message).toContain('ECONNREFUSED');
    // It never connected, so it has no disconnect to report either.
    expect(s.reports).toEqual([]);
  });
});
