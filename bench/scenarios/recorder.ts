/**
 * Scenario 9: what the flight recorder costs in memory. The same bulk start of idle accounts
 * (pre-filled memory store, trivial worker, every account `running`), with the recorder off
 * (`history: { size: 0 }`) and at its default size, each in its own child process; heap per account
 * after a full GC. Goal (issue 13): at most 15 % more heap per idle account at the default size.
 *
 *   npx tsx bench/run.ts --only=recorder           100,000 accounts
 *   npx tsx bench/run.ts --only=recorder --quick   10,000 accounts
 */
import { memoryNow, sleep } from '../lib/memory.js';
import { runChild } from '../lib/spawn.js';
import { fmt, median, table } from '../lib/stats.js';
import { bulkSupervisor } from '../lib/supervisor.js';
import { trivialWorkers } from '../lib/workers.js';

const FILE = 'bench/scenarios/recorder.ts';
/** The goal: heap per idle account with the recorder at its default size, over the heap with it off. */
const GOAL = 1.15;

interface Sample {
  size: 'off' | 'default';
  n: number;
  heapBytes: number;
  entries: number;
  startMs: number;
}

/** The supervisor option that sets the recorder's size; `undefined` = the default. */
function recorderOption(size: Sample['size']): Record<string, unknown> {
  return size === 'off' ? { history: { size: 0 } } : {};
}

async function measure(size: Sample['size'], n: number): Promise<Sample> {
  const w = trivialWorkers();
  const before = await memoryNow();
  const sup = bulkSupervisor(n, { worker: w.worker, ...recorderOption(size) });
  const t0 = performance.now();
  await sup.start();
  await w.whenStarted(n);
  const startMs = performance.now() - t0;
  await sleep(200); // every task's `running` published and recorded
  const after = await memoryNow();
  const entries = countEntries(sup, n);
  await sup.shutdown({ timeoutMs: 300_000 });
  return { size, n, heapBytes: (after.heapUsed - before.heapUsed) / n, entries, startMs };
}

function countEntries(sup: object, n: number): number {
  const history = (sup as { history?: (id: string) => readonly unknown[] | undefined }).history;
  if (typeof history !== 'function') return NaN;
  let total = 0;
  for (let i = 0; i < n; i += 1) total += history.call(sup, `acc-${i}`)?.length ?? 0;
  return total / n;
}

const sizeOf = (quick: boolean) => (quick ? 10_000 : 100_000);

/** Child side, recorder off: a JSON `Sample` (the external-bench protocol carries strings). */
export async function measureRecorderOff({ quick }: { quick: boolean }): Promise<string> {
  return JSON.stringify(await measure('off', sizeOf(quick)));
}

/** Child side, recorder at its default size. */
export async function measureRecorderDefault({ quick }: { quick: boolean }): Promise<string> {
  return JSON.stringify(await measure('default', sizeOf(quick)));
}

/**
 * Parent side: alternates off/default children, `reps` times, and renders the table.
 *
 * @example
 * ```ts
 * const markdown = await runRecorderBench({ quick: true });
 * ```
 */
export async function runRecorderBench({ quick }: { quick: boolean }): Promise<string> {
  const reps = quick ? 1 : 3;
  const samples: Sample[] = [];
  for (let rep = 0; rep < reps; rep += 1) {
    for (const exportName of ['measureRecorderOff', 'measureRecorderDefault']) {
      const json = await runChild('external', { file: FILE, exportName, quick }, 900_000);
      samples.push(JSON.parse(json ?? 'null') as Sample);
    }
  }
  const of = (size: Sample['size']) => samples.filter((s) => s.size === size);
  const off = median(of('off').map((s) => s.heapBytes));
  const on = median(of('default').map((s) => s.heapBytes));
  const rows = (['off', 'default'] as const).map((size) => {
    const s = of(size);
    const heap = median(s.map((x) => x.heapBytes));
    return [fmt(s[0]!.n), size === 'off' ? 'recorder off (history.size 0)' : 'recorder at default size', fmt(heap), fmt(median(s.map((x) => x.entries)), 1), size === 'off' ? '–' : `+${fmt((heap / off - 1) * 100, 1)} %`, fmt(median(s.map((x) => x.startMs)))];
  });
  const verdict = on / off <= GOAL ? 'PASS' : 'MISS';
  return `${table(['N', 'recorder', 'heap B/account', 'entries/account', 'vs off', 'start ms'], rows)}\n\nGoal: at most +15 % heap per idle account at the default size: **${verdict}** (+${fmt((on / off - 1) * 100, 1)} %, median of ${reps}).`;
}
