// 1,000 start → cancel cycles at varied moments: afterwards no socket is open on the simulator
// and the process's active handles (sockets, timers) are back to their baseline.
import { testJobs } from '../helpers/jobs.js';
import { getEventListeners } from 'node:events';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { websocketSession } from '../../src/sessions/websocketSession.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { activeResources, atOrBelow, sleep, waitUntil } from '../simulator/helpers.js';
import { account } from './helpers.js';

let sim: Simulator | undefined;
afterAll(async () => sim?.close());

const log = pino({ level: 'silent' });

/** Starts a worker and cancels it at a moment chosen by `i`: before, during connect, once live, or a little later. */
async function cycle(worker: ReturnType<typeof websocketSession>, i: number): Promise<boolean> {
  const controller = new AbortController();
  let live!: () => void;
  let wasLive = false;
  const connected = new Promise<void>((resolve) => (live = resolve));
  const report = (r: Record<string, unknown>): void => {
    if (r.connected !== true) return;
    wasLive = true;
    live();
  };
  const acc = account(`acc-${i % 50}`);
  if (i % 4 === 0) controller.abort();
  const done = worker({ account: acc, signal: controller.signal, log, report, jobs: testJobs() });
  if (i % 4 === 1) controller.abort();
  if (i % 4 === 2) {
    // Bounded wait whose timer is cleared, so the test itself leaves no timer behind.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([connected, new Promise((resolve) => (timer = setTimeout(resolve, 2_000)))]);
    clearTimeout(timer);
    controller.abort();
  }
  if (i % 4 === 3) {
    await sleep(i % 3);
    controller.abort();
  }
  await done;
  // The worker's abort listener must be gone too.
  if (getEventListeners(controller.signal, 'abort').length !== 0) throw new Error(`cycle ${i} left an abort listener`);
  return wasLive;
}

describe('websocketSession leaks', () => {
  it('1,000 start → cancel cycles leave no socket, timer or listener behind', async () => {
    sim = await createSimulator();
    const worker = websocketSession({ url: sim.url, heartbeatIntervalMs: 1_000, closeTimeoutMs: 1_000 });
    // Warm up ws/zlib/pino lazies, then take the baseline.
    await cycle(worker, 2);
    await waitUntil(() => sim!.openSockets === 0);
    const baseline = activeResources();

    const t0 = Date.now();
    let live = 0;
    for (let i = 0; i < 1_000; i += 4) {
      // Four concurrent sessions on different accounts keep this quick without overlapping one account.
      const results = await Promise.all([0, 1, 2, 3].map((k) => cycle(worker, i + k)));
      live += results.filter(Boolean).length;
    }
    const elapsed = Date.now() - t0;

    await waitUntil(() => sim!.openSockets === 0, 5_000, 'the simulator to have no open socket');
    await waitUntil(() => atOrBelow(baseline), 500, `active resources back to baseline ${JSON.stringify([...baseline])}, now ${JSON.stringify([...activeResources()])}`);
    // A quarter of the cycles abort before connecting; at least a quarter wait to be registered.
    expect(live).toBeGreaterThanOrEqual(250);
    expect(sim.totalConnections).toBeGreaterThanOrEqual(live);
    expect(sim.violations()).toEqual([]);
    expect(elapsed).toBeLessThan(15_000);
  });
});
