// Every way a session run ends leaves none of its timers behind: heartbeat, throttled report,
// connect/register deadline, close handshake deadline and terminate grace. Counted through the
// clock the worker is given (ctx.clock), against the real simulator on 127.0.0.1.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock, TimerHandle } from '../../src/clock/clock.js';
import { websocketSession, type WebsocketSessionOptions } from '../../src/sessions/websocketSession.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { waitUntil } from '../simulator/helpers.js';
import { account, makeCtx, outcome, type TestCtx } from './helpers.js';
import { blackHole } from '../helpers/blackHole.js';

/**
 * The system clock, with the set of its timers that were neither fired nor cleared, and `fire(ms)`
 * to run the pending timer of that delay now (in the caller's tick).
 */
function countingClock(): { clock: Clock; live: Set<TimerHandle>; fire: (ms: number) => void } {
  const live = new Set<TimerHandle>();
  const due = new Map<TimerHandle, { fn: () => void; ms: number }>();
  const clock: Clock = {
    now: () => Date.now(),
    setTimeout: (fn, ms) => {
      const handle: NodeJS.Timeout = setTimeout(() => {
        live.delete(handle);
        fn();
      }, ms);
      live.add(handle);
      due.set(handle, { fn, ms });
      return handle;
    },
    clearTimeout: (handle) => {
      live.delete(handle);
      clearTimeout(handle as NodeJS.Timeout);
    },
  };
  const fire = (ms: number): void => {
    const handle = [...live].find((h) => due.get(h)?.ms === ms);
    if (handle === undefined) throw new Error(`no pending timer of ${ms} ms`);
    clock.clearTimeout(handle);
    due.get(handle)?.fn();
  };
  return { clock, live, fire };
}

/** Long deadlines everywhere, so any of them still pending when the run ends is seen. */
const SLOW = { heartbeatIntervalMs: 50, heartbeatTimeoutMs: 10_000, closeTimeoutMs: 10_000, connectTimeoutMs: 10_000, registerTimeoutMs: 10_000, reportThrottleMs: 60_000 };

let sim: Simulator | undefined;
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await sim?.close();
  sim = undefined;
});

function start(
  options: Partial<WebsocketSessionOptions> = {},
  credentials: string | null = 'tok',
): TestCtx & { live: Set<TimerHandle>; fire: (ms: number) => void; logs: Record<string, unknown>[]; result: ReturnType<typeof outcome> } {
  const { clock, live, fire } = countingClock();
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, cb) => (logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>), cb()) });
  const t = makeCtx(account('a', credentials), pino({ level: 'debug' }, sink));
  t.ctx.clock = clock;
  const result = outcome(websocketSession({ url: sim!.url, ...SLOW, ...options })(t.ctx));
  cleanups.push(async () => {
    t.controller.abort();
    await result;
  });
  return { ...t, live, fire, logs, result };
}


describe('a session run leaves no timer behind', () => {
  it('after a server drop while live, with heartbeats running and a throttled report pending', async () => {
    sim = await createSimulator();
    const s = start({ heartbeatIntervalMs: 10_000 }); // no probe answer to flush the report meanwhile
    await waitUntil(() => s.latest().connected === true, 3_000, 'connected');
    sim.push('a', 'hello'); // a counter change inside the throttle window: a report timer is pending
    await waitUntil(() => s.live.size >= 2, 3_000, 'the heartbeat and the report timers');
    sim.drop('a', 'abrupt');
    const r = await s.result;
    expect(r.ok).toBe(false);
    expect(s.live.size).toBe(0);
    expect(s.latest()).toMatchObject({ connected: false, messagesIn: 1 });
  });

  it('after an abort while live: the close handshake deadline is cleared once the server answers', async () => {
    sim = await createSimulator();
    const s = start();
    await waitUntil(() => s.latest().connected === true, 3_000, 'connected');
    s.controller.abort();
    expect(await s.result).toEqual({ ok: true });
    expect(s.live.size).toBe(0);
    await waitUntil(() => sim!.closeCodes('a').length === 1, 3_000, 'the close frame');
    expect(sim.closeCodes('a')).toEqual([1000]);
  });

  it('after the server refuses the credentials while registering: the register deadline is cleared', async () => {
    sim = await createSimulator();
    const s = start({}, 'bad-token');
    const r = await s.result;
    expect(!r.ok && r.error.code).toBe('CREDENTIALS_REJECTED');
    expect(s.live.size).toBe(0);
  });

  it('after an abort while connecting: the connect deadline and the terminate grace are cleared', async () => {
    sim = await createSimulator();
    const s = start({ url: await blackHole(cleanups) });
    await waitUntil(() => s.live.size === 1, 3_000, 'the connect deadline');
    s.controller.abort();
    expect(await s.result).toEqual({ ok: true });
    expect(s.live.size).toBe(0);
  });

  it('after a connect timeout: the terminate grace is cleared', async () => {
    sim = await createSimulator();
    const s = start({ url: await blackHole(cleanups), connectTimeoutMs: 100 });
    const r = await s.result;
    expect(!r.ok && r.error.code).toBe('CONNECT_TIMEOUT');
    expect(s.live.size).toBe(0);
  });
});

describe('how a session run ends', () => {
  it('a failure wins over an abort that comes before the socket closed', async () => {
    sim = await createSimulator();
    const s = start({ url: await blackHole(cleanups) });
    await waitUntil(() => s.live.size === 1, 3_000, 'the connect deadline');
    s.fire(SLOW.connectTimeoutMs); // the connect deadline: fail and terminate
    s.controller.abort(); // same tick: the socket has not closed yet
    const r = await s.result;
    expect(!r.ok && r.error.code).toBe('CONNECT_TIMEOUT');
  });

  it('an abort wins over a deadline that fires before the socket closed', async () => {
    sim = await createSimulator();
    const s = start({ url: await blackHole(cleanups) });
    await waitUntil(() => s.live.size === 1, 3_000, 'the connect deadline');
    s.controller.abort(); // cancel: terminate while connecting
    s.fire(SLOW.connectTimeoutMs); // same tick: the connect deadline is still pending
    expect(await s.result).toEqual({ ok: true });
  });

  it('logs a failure as "session ended" with the close code and the error code', async () => {
    sim = await createSimulator();
    const s = start();
    await waitUntil(() => s.latest().connected === true, 3_000, 'connected');
    sim.drop('a', 'close');
    await s.result;
    expect(s.logs).toContainEqual(expect.objectContaining({ level: 40, msg: 'session ended', closeCode: 4000, code: 'SESSION_CLOSED' }));
    expect(s.logs.filter((l) => l.msg === 'session closed')).toEqual([]);
  });

  it('logs an abort as "session closed" with the close code', async () => {
    sim = await createSimulator();
    const s = start();
    await waitUntil(() => s.latest().connected === true, 3_000, 'connected');
    s.controller.abort();
    await s.result;
    expect(s.logs).toContainEqual(expect.objectContaining({ level: 30, msg: 'session closed', closeCode: 1000 }));
    expect(s.logs.filter((l) => l.msg === 'session ended')).toEqual([]);
  });

  it('warns when the close handshake times out, naming closeTimeoutMs, then terminates', async () => {
    sim = await createSimulator();
    const s = start({ closeTimeoutMs: 100 });
    await waitUntil(() => s.latest().connected === true, 3_000, 'connected');
    sim.closeSlowly(5_000);
    s.controller.abort();
    expect(await s.result).toEqual({ ok: true });
    expect(s.logs).toContainEqual(expect.objectContaining({ level: 40, msg: 'close handshake timed out, terminating', closeTimeoutMs: 100 }));
    expect(s.live.size).toBe(0);
  });
});
