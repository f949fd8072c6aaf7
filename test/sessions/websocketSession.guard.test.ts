// The canSend guard: cluster mode's last line of defence against a node that woke up after losing an account.
import { afterEach, describe, expect, it } from 'vitest';
import { websocketSession } from '../../src/sessions/websocketSession.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { sleep, waitUntil } from '../simulator/helpers.js';
import { account, makeCtx, outcome, type TestCtx } from './helpers.js';

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

describe('websocketSession canSend guard', () => {
  it('once the guard refuses, no frame leaves (heartbeat, reply): the socket is dropped and the worker waits for its cancel', async () => {
    sim = await createSimulator();
    let allowed = true;
    const asked: string[] = [];
    const t = makeCtx(account('a'));
    const worker = websocketSession({
      url: sim.url,
      ...FAST,
      canSend: (acc) => {
        asked.push(acc.id);
        return allowed;
      },
      onMessage: (_m, ctx) => void ctx.reply('hi'),
    });
    const result = outcome(worker(t.ctx));
    running.push({ t, done: result });
    await waitUntil(() => sim!.sessions('a') === 1);
    await sleep(250);
    expect(asked.length).toBeGreaterThan(1);
    allowed = false;
    sim.push('a', 'price?');
    await waitUntil(() => sim!.sessions('a') === 0, 2_000, 'the fenced session to drop');
    const stats = sim.stats().accounts.a!;
    expect(stats.replies).toEqual([]);
    expect(stats.closeCodes).toEqual([1006]);
    // The worker neither failed nor ended: it waits for the node to cancel it.
    let settled = false;
    void result.then(() => (settled = true));
    await sleep(300);
    expect(settled).toBe(false);
    t.controller.abort();
    expect(await result).toEqual({ ok: true });
    expect(sim.stats().totalConnections).toBe(1);
  });

  it('a guard that refuses from the start: not even register is sent', async () => {
    sim = await createSimulator({ registerTimeoutMs: 5_000 });
    const t = makeCtx(account('b'));
    const result = outcome(websocketSession({ url: sim.url, ...FAST, canSend: () => false })(t.ctx));
    running.push({ t, done: result });
    await waitUntil(() => sim!.stats().totalConnections === 1 && sim!.stats().openSockets === 0, 2_000, 'the connection to open and drop');
    expect(sim.stats().accounts.b).toBeUndefined();
    t.controller.abort();
    expect(await result).toEqual({ ok: true });
  });
});
