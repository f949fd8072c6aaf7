/**
 * Offloaded work (issue 17, item 6): the same small function called in place, through
 * statevisor's worker pool (`createWorkerPool`, piscina underneath, with a run-time limit and a
 * cancellable call), through piscina alone, through `runInWorker` (a new thread per call) and
 * through the process runner (a new process per call). Calls keep `window` in flight at once.
 *
 * Run: `npx tsx bench/offload.ts [--quick]`. `bench/run.ts` calls {@link measureOffload}.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { setTimeout as pause } from 'node:timers/promises';
import { runInWorker } from '../src/jobs/index.js';
import { createProcessRunner, createWorkerPool } from '../src/offload/index.js';
// @ts-expect-error plain JavaScript fixture without types
import * as work from './fixtures/offloadWork.mjs';
import type { Target } from './lib/targets.js';
import { fmt, median, table } from './lib/stats.js';

const MODULE = new URL('./fixtures/offloadWork.mjs', import.meta.url);
const THREADS = availableParallelism();

/** What {@link measureOffload} returns. */
export interface OffloadBenchResult {
  markdown: string;
  targets: Target[];
}

interface Contender {
  name: string;
  /** Calls per sample relative to the plan's `calls` (thread and process per call are slow). */
  share: number;
  setup(): Promise<{ call: (fn: 'trivial' | 'sumTo', arg: number) => Promise<unknown>; close: () => Promise<void> }>;
}

const inPlace = work as { trivial: (n: number) => number; sumTo: (n: number) => number };

const CONTENDERS: Contender[] = [
  {
    name: 'in place (same thread)',
    share: 1,
    setup: async () => ({ call: async (fn, arg) => inPlace[fn](arg), close: async () => {} }),
  },
  {
    name: `statevisor worker pool (${THREADS} threads, 30 s limit per call)`,
    share: 1,
    setup: async () => {
      const pool = createWorkerPool({ maxThreads: THREADS, maxQueue: Infinity });
      return { call: (fn, arg) => pool.run(MODULE, fn, arg), close: () => pool.close() };
    },
  },
  {
    name: `piscina alone (${THREADS} threads, same idle timeout)`,
    share: 1,
    setup: async () => {
      // piscina's default idleTimeout is 0 (a thread that finds the queue empty exits, and the
      // next call starts a new one): given the pool's 30 s so both keep their threads alike.
      const pool = new Piscina({ maxThreads: THREADS, minThreads: 0, idleTimeout: 30_000, filename: fileURLToPath(MODULE) });
      return { call: (fn, arg) => pool.run(arg, { name: fn }), close: () => pool.close() };
    },
  },
  {
    name: '`runInWorker` (a new thread per call)',
    share: 0.02,
    setup: async () => ({ call: (fn, arg) => runInWorker(MODULE, fn, [arg]), close: async () => {} }),
  },
  {
    name: `process runner (a new process per call, ${THREADS} at once)`,
    share: 0.005,
    setup: async () => {
      const runner = createProcessRunner({ maxProcesses: THREADS, maxQueue: Infinity });
      return { call: (fn, arg) => runner.run(MODULE, fn, arg), close: () => runner.close() };
    },
  },
];

async function sample(c: Contender, fn: 'trivial' | 'sumTo', calls: number, window: number): Promise<number> {
  const { call, close } = await c.setup();
  try {
    // Warm up: threads started, modules loaded.
    await Promise.all(Array.from({ length: Math.min(window, calls) }, (_, i) => call(fn, i)));
    const t0 = performance.now();
    let started = 0;
    const lane = async (): Promise<void> => {
      while (started < calls) {
        started++;
        await call(fn, fn === 'sumTo' ? 30_000 : started);
      }
    };
    await Promise.all(Array.from({ length: window }, lane));
    return ((performance.now() - t0) * 1000) / calls;
  } finally {
    await close();
  }
}

/**
 * Runs every contender `reps` times, interleaved, on a trivial function and on ~0.1 ms of CPU.
 *
 * @example
 * ```ts
 * const { markdown } = await measureOffload({ quick: true });
 * ```
 */
export async function measureOffload({ quick = false, smoke = false }: { quick?: boolean; smoke?: boolean } = {}): Promise<OffloadBenchResult> {
  const calls = smoke ? 200 : quick ? 2_000 : 10_000;
  const reps = smoke ? 1 : quick ? 3 : 5;
  const window = 32;
  const fns = ['trivial', 'sumTo'] as const;
  const us = new Map<string, number[]>();
  for (let rep = 0; rep < reps; rep++) {
    for (const fn of fns) {
      // Every other repetition runs the contenders in reverse order, and each sample starts after a
      // pause: with one fixed order the pool always ran right after the process runner, whose child
      // processes (and `runInWorker`'s threads) were still exiting on this 2-core machine: the same
      // code measured 1.47× piscina alone in that order and 1.28× alternating (2026-12-03).
      for (const c of rep % 2 === 0 ? CONTENDERS : [...CONTENDERS].reverse()) {
        const n = Math.max(4, Math.round(calls * c.share));
        const key = `${fn}/${c.name}`;
        await pause(smoke ? 0 : 200);
        (us.get(key) ?? us.set(key, []).get(key)!).push(await sample(c, fn, n, Math.min(window, n)));
      }
    }
  }
  const med = (fn: string, name: string) => median(us.get(`${fn}/${name}`) ?? []);
  const poolName = CONTENDERS[1]!.name;
  const piscinaName = CONTENDERS[2]!.name;
  const rows = fns.flatMap((fn) =>
    CONTENDERS.map((c) => {
      const m = med(fn, c.name);
      return [
        fn === 'trivial' ? 'trivial (returns its input)' : 'sum of 30,000 numbers (~0.1 ms)',
        c.name,
        fmt(m, 1),
        fmt(1e6 / m),
        `${(m / med(fn, piscinaName)).toFixed(2)}×`,
        `${(m / med(fn, CONTENDERS[0]!.name)).toFixed(1)}×`,
      ];
    }),
  );
  const targets: Target[] = fns.map((fn) => {
    const pool = med(fn, poolName);
    const pis = med(fn, piscinaName);
    // Time per call: the pool may cost at most 1.25× piscina alone (its timer and controller per call).
    const r = pool / pis;
    return {
      target: `offloaded call (${fn}), worker pool`,
      goal: '≤ 1.25× piscina alone (µs per call)',
      measured: `${fmt(pool, 1)} µs`,
      baseline: `piscina alone ${fmt(pis, 1)} µs`,
      ratio: `${r.toFixed(2)}×`,
      status: Number.isFinite(r) ? (r <= 1.25 ? 'PASS' : 'MISS') : 'n/a',
    };
  });
  const markdown = [
    `${fmt(calls)} calls per sample with ${window} in flight (a thread per call: ${fmt(calls * CONTENDERS[3]!.share)}, a process per call: ` +
      `${fmt(Math.max(4, calls * CONTENDERS[4]!.share))}), ${reps} interleaved samples, medians; wall time per call. ` +
      `Every pooled contender was warmed up (threads started, module loaded) before timing.`,
    '',
    table(['work', 'contender', 'µs per call', 'calls/s', 'vs piscina alone', 'vs in place'], rows, 'llrrrr'),
  ].join('\n');
  return { markdown, targets };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  measureOffload({ quick: process.argv.includes('--quick'), smoke: process.argv.includes('--smoke') }).then(
    (r) => console.log(r.markdown),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
