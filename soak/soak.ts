import { pino, type Logger } from 'pino';
import { websocketSession } from '../src/sessions/websocketSession.js';
import { createSupervisor, type Supervisor } from '../src/createSupervisor.js';
import { memoryStore } from '../src/persistence/memoryStore.js';
import { createSimulator, type Simulator } from '../src/simulator/index.js';

/** Options of {@link runSoak}. */
export interface SoakOptions {
  accounts: number;
  seconds: number;
  /** Seed of the fault schedule, so a failing run can be replayed. Default: time-based. */
  seed?: number;
  /** Faults injected per second. Default `accounts / 20`. */
  faultsPerSecond?: number;
  logger?: Logger;
}

/** One checked invariant. */
export interface InvariantResult {
  name: string;
  passed: boolean;
  detail: string;
}

/** What a soak run found. */
export interface SoakReport {
  seed: number;
  faults: Record<string, number>;
  invariants: InvariantResult[];
}

const FAULTS = ['drop', 'halfOpen', 'outage', 'update', 'restart', 'toggle'] as const;
type Fault = (typeof FAULTS)[number];

/**
 * Runs supervised WebSocket sessions against the in-process simulator while injecting random
 * faults, then checks: never two sessions for one account (the simulator's own count), every
 * healthy account connected at the end, and no handle left behind after shutdown.
 *
 * @example
 * ```ts
 * const report = await runSoak({ accounts: 200, seconds: 20 });
 * report.invariants.every((i) => i.passed);
 * ```
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const seed = options.seed ?? Date.now() % 2_147_483_647;
  const random = lcg(seed);
  const baseline = handleCount();
  const sim = await createSimulator();
  const sup = createSupervisor({
    worker: websocketSession({ url: sim.url, heartbeatIntervalMs: 250, heartbeatTimeoutMs: 400, connectTimeoutMs: 2_000, closeTimeoutMs: 500 }),
    store: memoryStore(),
    logger: options.logger ?? pino({ level: 'silent' }),
    cancelTimeoutMs: 2_000,
    restart: { backoff: { minMs: 50, maxMs: 1_000 }, intensity: { maxRestarts: 1_000, withinMs: 60_000 } },
    random,
  });
  await sup.start();
  const ids = Array.from({ length: options.accounts }, (_, i) => `soak-${i}`);
  await Promise.all(ids.map((id) => sup.add({ id, credentials: `tok-${id}`, settings: { keywords: [{ match: 'price', reply: '10' }] } })));
  const faults = await injectFaults(sup, sim, ids, options, random);
  const invariants = await settleAndCheck(sup, sim, ids);
  const stats = await sup.shutdown({ timeoutMs: 10_000 });
  await sim.close();
  invariants.push({ name: 'shutdown forced nothing', passed: stats.forced === 0, detail: `forced ${stats.forced}` });
  invariants.push(await noHandleLeak(baseline));
  return { seed, faults, invariants };
}

async function injectFaults(sup: Supervisor, sim: Simulator, ids: string[], o: SoakOptions, random: () => number): Promise<Record<string, number>> {
  const counts: Record<string, number> = Object.fromEntries(FAULTS.map((f) => [f, 0]));
  const perSecond = o.faultsPerSecond ?? Math.max(1, o.accounts / 20);
  const until = Date.now() + o.seconds * 1_000;
  const pending = new Set<Promise<unknown>>();
  while (Date.now() < until) {
    const fault = FAULTS[Math.floor(random() * FAULTS.length)]!;
    const id = ids[Math.floor(random() * ids.length)]!;
    counts[fault]! += 1;
    const p = applyFault(fault, id, sup, sim).catch(() => undefined);
    pending.add(p);
    void p.finally(() => pending.delete(p));
    await sleep(1_000 / perSecond);
  }
  await Promise.all(pending);
  return counts;
}

async function applyFault(fault: Fault, id: string, sup: Supervisor, sim: Simulator): Promise<unknown> {
  switch (fault) {
    case 'drop':
      return sim.drop(id);
    case 'halfOpen':
      sim.halfOpen(id, true);
      return sleep(800).then(() => sim.halfOpen(id, false));
    case 'outage':
      return sim.refuseConnections(300);
    case 'update':
      return sup.update(id, { credentials: `tok-${id}-${Date.now()}` });
    case 'restart':
      return sup.restart(id);
    case 'toggle':
      await sup.disable(id);
      return sup.enable(id);
  }
}

async function settleAndCheck(sup: Supervisor, sim: Simulator, ids: string[]): Promise<InvariantResult[]> {
  const deadline = Date.now() + 20_000;
  const isUp = (id: string) => sup.status(id)?.state === 'running' && sup.status(id)?.report?.connected === true && sim.sessions(id) === 1;
  while (Date.now() < deadline && !ids.every(isUp)) await sleep(100);
  const down = ids.filter((id) => !isUp(id));
  const doubled = ids.filter((id) => sim.maxConcurrent(id) > 1);
  return [
    { name: 'never two sessions for one account', passed: doubled.length === 0 && sim.violations().length === 0, detail: `${doubled.length} accounts had two sessions` },
    { name: 'every healthy account connected at the end', passed: down.length === 0, detail: down.length ? `down: ${down.slice(0, 5).join(', ')}` : `${ids.length} connected` },
  ];
}

async function noHandleLeak(baseline: number): Promise<InvariantResult> {
  let now = handleCount();
  for (let i = 0; i < 50 && now > baseline; i++) {
    await sleep(20);
    now = handleCount();
  }
  return { name: 'no handle leaks after shutdown', passed: now <= baseline, detail: `${now} handles vs ${baseline} before` };
}

// Everything the event loop still holds (sockets, servers, timers): back to the baseline or a leak.
function handleCount(): number {
  return process.getActiveResourcesInfo().length;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function lcg(seed: number): () => number {
  let s = seed % 2_147_483_647 || 1;
  return () => (s = (s * 16_807) % 2_147_483_647) / 2_147_483_647;
}
