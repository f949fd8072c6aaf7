/**
 * Whole-fleet simulation speed (issue 16): `simulateFleet()` running the real supervisor on the
 * virtual clock, against a same-run baseline that drives the same platform and virtual clock with
 * `decideRestart()` alone (no actors, no store, no status board). The difference is what the real
 * supervisor costs per restart; the baseline is the floor of the harness itself.
 *
 * Scenario (the README's what-if example): 24 simulated hours, outages 5m@2h and 30m@10h hitting
 * every account, 0.01 crashes per account-hour, 0.1% of credentials revoked, default policy.
 * Target: 10,000 accounts in under 60 s on this 2-core machine, with `simulateFleet()`'s default
 * threads (one per core); the one-thread run is shown beside it. The same report either way.
 *
 * Run: `npx tsx bench/simulation.ts [--quick] [--accounts N]`. `--quick`: 1,000 accounts.
 * `npm run bench` runs it as section 11 (`--only=simulation` alone).
 */
import { availableParallelism, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { decideRestart, type RestartMemory } from '../src/supervision/decideRestart.js';
import { DEFAULT_RESTART_POLICY } from '../src/supervision/restartPolicy.js';
import { resolvePlatformModel, SimulatedPlatform, type PlatformModelInput } from '../src/simulation/platform.js';
import { randomStream } from '../src/simulation/random.js';
import { simulateFleet } from '../src/simulation/simulateFleet.js';
import { VirtualClock } from '../src/simulation/virtualClock.js';
import type { WorkerContext } from '../src/worker/worker.js';

const HOUR = 3_600_000;
const DURATION_MS = 24 * HOUR;
const PLATFORM: PlatformModelInput = {
  outages: [
    { atMs: 2 * HOUR, durationMs: 5 * 60_000 },
    { atMs: 10 * HOUR, durationMs: 30 * 60_000 },
  ],
  crashesPerHour: 0.01,
  rejectShare: 0.001,
};

/** Options of {@link runSimulationBench}. */
export interface SimulationBenchOptions {
  /** 1,000 accounts instead of 10,000. Default `false`. */
  quick?: boolean;
  accounts?: number;
}

interface Row {
  name: string;
  wallMs: number;
  cpuMs: number;
  restarts: number;
  suspended: number;
  timers: number;
}

/** The same platform and clock, with `decideRestart()` and a timer per restart as the whole supervisor. */
async function baseline(accounts: number): Promise<Row> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const clock = new VirtualClock();
  const ids = Array.from({ length: accounts }, (_, i) => `acct-${i}`);
  const platform = new SimulatedPlatform(resolvePlatformModel(PLATFORM), { seed: 7, accountIds: ids, clock, durationMs: DURATION_MS });
  platform.start();
  // One jitter stream per account, as the simulation draws them.
  const jitter = ids.map((_, i) => randomStream(7, 'jitter', i));
  let restarts = 0;
  let suspended = 0;
  const run = (id: string, index: number, memory: RestartMemory) => {
    const controller = new AbortController();
    const ctx = { account: { id, enabled: true, settings: {} }, signal: controller.signal } as WorkerContext;
    const startedAt = clock.now();
    platform.worker(ctx).then(
      () => undefined,
      (error: { retryable?: boolean }) => {
        const decision = decideRestart(DEFAULT_RESTART_POLICY, { reason: 'failed', ranMs: clock.now() - startedAt, ...(error.retryable === false ? { error: { message: 'x', retryable: false } } : {}) }, memory, clock.now(), jitter[index]);
        if (decision.type !== 'RESTART_SCHEDULED') {
          suspended += 1;
          return;
        }
        restarts += 1;
        clock.setTimeout(() => run(id, index, { history: decision.history, attempt: decision.attempt + 1, previousDelayMs: decision.delayMs }), decision.delayMs);
      },
    );
  };
  ids.forEach((id, index) => run(id, index, { history: [], attempt: 0, previousDelayMs: 0 }));
  await clock.runUntil(DURATION_MS);
  const used = process.cpuUsage(cpu);
  return { name: 'baseline: platform + virtual clock + decideRestart() only', wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000, restarts, suspended, timers: clock.fired };
}

async function full(accounts: number, threads?: number): Promise<Row & { threads: number }> {
  const report = await simulateFleet({ seed: 7, accounts, durationMs: DURATION_MS, platform: PLATFORM, ...(threads ? { threads } : {}) });
  return {
    name: `simulateFleet(): the real supervisor on the virtual clock, ${report.threads === 1 ? '1 thread' : `${report.threads} threads (the default here)`}`,
    wallMs: report.wallMs,
    cpuMs: report.cpuMs,
    restarts: report.restarts.total,
    suspended: report.suspended.total,
    timers: report.timersFired,
    threads: report.threads,
  };
}

/** Runs the bench and returns a markdown section. */
export async function runSimulationBench({ quick = false, accounts }: SimulationBenchOptions = {}): Promise<string> {
  const n = accounts ?? (quick ? 1_000 : 10_000);
  const load = loadavg()[0]!;
  const rows: Row[] = [await baseline(n), await full(n, 1)];
  const parallel = await full(n);
  if (parallel.threads > 1) rows.push(parallel);
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const lines = [
    `Simulation: ${n.toLocaleString('en-US')} accounts × 24 simulated hours, outages 5m@2h and 30m@10h, 0.01 crashes/h, 0.1% rejected, default policy, seed 7.`,
    `Machine: ${availableParallelism()} cores, load average ${load.toFixed(1)} at the start (CPU time is the fairer figure on a shared machine).`,
    '',
    '| run | wall s | CPU s | × real time (wall) | restarts | suspended | timers fired | CPU µs per restart |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${s(r.wallMs)} | ${s(r.cpuMs)} | ${Math.round(DURATION_MS / r.wallMs).toLocaleString('en-US')} | ${r.restarts.toLocaleString('en-US')} | ${r.suspended.toLocaleString('en-US')} | ${r.timers.toLocaleString('en-US')} | ${Math.round((r.cpuMs * 1000) / Math.max(1, r.restarts))} |`),
    '',
    `Target: 10,000 accounts in under 60 s wall: ${n === 10_000 ? (parallel.wallMs < 60_000 ? 'PASS' : 'MISS') : 'not measured in this mode'} (${parallel.threads === 1 ? 'one thread' : `${parallel.threads} threads`}, ${s(parallel.wallMs)} s).`,
  ];
  return lines.join('\n');
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const i = process.argv.indexOf('--accounts');
  const accounts = i > 0 ? Number(process.argv[i + 1]) : undefined;
  runSimulationBench({ quick: process.argv.includes('--quick'), ...(accounts ? { accounts } : {}) }).then(
    (markdown) => console.log(markdown),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
