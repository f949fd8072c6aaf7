/**
 * The start curve of 10,000 real WebSocket sessions under admission control, measured where a
 * platform would see it: the simulator's registrations.
 */
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { createSupervisor, type Supervisor } from '../../src/createSupervisor.js';
import { memoryStore } from '../../src/persistence/memoryStore.js';
import { websocketSession } from '../../src/sessions/websocketSession.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';

const silent = pino({ level: 'silent' });
let supervisor: Supervisor | undefined;
let sim: Simulator | undefined;
afterEach(async () => {
  await supervisor?.shutdown({ timeoutMs: 20_000 });
  await sim?.close();
});

it('10,000 real sessions at 500 starts/s register in about 20 s, never more than burst in any second at the simulator', async () => {
  sim = await createSimulator({ port: 0 });
  const simulator = sim;
  // Every registration is a login the platform sees (a session that failed and came back logs in
  // again): the window is checked over all of them; "started" is each account's first.
  const registeredAt: number[] = [];
  const firstAt = new Map<string, number>();
  simulator.on('registered', ({ accountId }) => {
    const now = Date.now();
    registeredAt.push(now);
    if (!firstAt.has(accountId)) firstAt.set(accountId, now);
  });
  const store = memoryStore();
  const N = 10_000;
  for (let i = 0; i < N; i += 1) await store.put({ id: `acct-${i}`, enabled: true, credentials: `tok-${i}`, settings: {} });
  const s = (supervisor = createSupervisor({ logger: silent, store, worker: websocketSession({ url: simulator.url }), admission: { startsPerSecond: 500, burst: 500 }, shutdownTimeoutMs: 30_000 }));
  const began = Date.now();
  await s.start();
  const deadline = began + 90_000;
  while (firstAt.size < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  expect(firstAt.size).toBe(N);
  const tookMs = Math.max(...firstAt.values()) - began;
  // 10,000 / 500 = 19 s after the first second's burst; generous on the upper side for a loaded machine.
  expect(tookMs).toBeGreaterThanOrEqual(18_500);
  expect(tookMs).toBeLessThan(45_000);
  let worst = 0;
  for (let x = 0, y = 0; x < registeredAt.length; x += 1) {
    while (registeredAt[x]! - registeredAt[y]! >= 1_000) y += 1;
    worst = Math.max(worst, x - y + 1);
  }
  // Admissions keep the bound exactly (the gate's property test). The platform sees each login a
  // connect time later, and that time varies with the event loop (a GC pause holds a few hundred
  // connects, then they land together): bench/admission.ts measured whole seconds at 490–505 but
  // up to 611 in a sliding one-second window. Bound it at 1.3× burst, and 1.05× per whole second.
  expect(worst).toBeLessThanOrEqual(650);
  const perSecond = new Map<number, number>();
  for (const t of registeredAt) perSecond.set(Math.floor((t - began) / 1000), (perSecond.get(Math.floor((t - began) / 1000)) ?? 0) + 1);
  expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(525);
  expect(simulator.violations()).toEqual([]);
}, 150_000);
