/**
 * Job runner throughput: statevisor's runner vs p-queue vs a hand-written p-limit-style loop,
 * trivial jobs at concurrency 64, several interleaved repetitions in one process. statevisor is
 * measured compiled by tsc when `bench/run.ts` runs this (see `lib/statevisor.ts`).
 *
 * The trivial job declares no parameter, so the runner makes no AbortSignal for it (see `JobFn`),
 * as p-queue makes none when given none; the row "each job takes its AbortSignal" is the runner
 * with a signal per job, to compare with "p-queue 9 + an AbortSignal per job".
 *
 * Run: `npx tsx bench/jobs.ts [--quick]`. `bench/run.ts` calls {@link runJobsBench}.
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import PQueue from 'p-queue';
import { statevisor } from './lib/statevisor.js';

const { createJobRunner } = statevisor;

const CONCURRENCY = 64;

/** Options of {@link runJobsBench}. */
export interface JobsBenchOptions {
  /** 20 000 jobs × 3 repetitions instead of 100 000 × 7. Default `false`. */
  quick?: boolean;
  /** 2 000 jobs × 1 repetition: only checks that the bench runs (`bench/run.ts --smoke`). */
  smoke?: boolean;
}

interface Contender {
  name: string;
  run(jobs: number): Promise<void>;
}

interface Sample {
  jobsPerSec: number;
  heapDeltaMb: number;
  retainedMb: number;
}

const trivial = (): Promise<number> => Promise.resolve(1);
/** A trivial job that declares the signal parameter, so the runner makes it one (see `JobFn`). */
const withSignal = (signal: AbortSignal): Promise<number> => Promise.resolve(signal.aborted ? 0 : 1);

const contenders: Contender[] = [
  {
    name: 'statevisor runner (default 30 s timeout per job)',
    run: (jobs) => runStatevisor(jobs, 30_000),
  },
  {
    name: 'statevisor runner (no timeout)',
    run: (jobs) => runStatevisor(jobs, Infinity),
  },
  {
    name: 'statevisor runner, each job takes its AbortSignal (default timeout)',
    run: (jobs) => runStatevisor(jobs, 30_000, withSignal),
  },
  { name: 'p-queue 9', run: runPQueue },
  { name: 'p-queue 9 + an AbortSignal per job', run: runPQueueWithSignals },
  { name: 'p-limit-style loop', run: runPLimitStyle },
];

async function runStatevisor(jobs: number, timeoutMs: number, job: (signal: AbortSignal) => Promise<number> = trivial): Promise<void> {
  const runner = createJobRunner({ concurrency: CONCURRENCY, maxQueue: Infinity, defaultTimeoutMs: timeoutMs });
  for (let i = 0; i < jobs; i++) runner.submit(String(i), job);
  await runner.idle();
  await runner.shutdown({ timeoutMs: 1_000 });
}

async function runPQueue(jobs: number): Promise<void> {
  const queue = new PQueue({ concurrency: CONCURRENCY });
  for (let i = 0; i < jobs; i++) void queue.add(trivial); // trivial jobs never reject
  await queue.onIdle();
}

/** p-queue doing what the runner always does: a fresh AbortController per job, its signal passed in. */
async function runPQueueWithSignals(jobs: number): Promise<void> {
  const queue = new PQueue({ concurrency: CONCURRENCY });
  for (let i = 0; i < jobs; i++) void queue.add(trivial, { signal: new AbortController().signal });
  await queue.onIdle();
}

/** The p-limit algorithm, inlined: a FIFO of starters and an active counter. */
function pLimit(concurrency: number): <T>(fn: () => Promise<T>) => Promise<T> {
  const queue: (() => void)[] = [];
  let head = 0;
  let active = 0;
  const next = (): void => {
    active--;
    if (head < queue.length) {
      const start = queue[head] as () => void;
      queue[head++] = () => undefined;
      start();
    }
  };
  return <T>(fn: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      const start = (): void => {
        active++;
        fn().then(resolve, reject).finally(next).catch(() => undefined);
      };
      if (active < concurrency) start();
      else queue.push(start);
    });
}

async function runPLimitStyle(jobs: number): Promise<void> {
  const limit = pLimit(CONCURRENCY);
  const all: Promise<number>[] = [];
  for (let i = 0; i < jobs; i++) all.push(limit(trivial));
  await Promise.all(all);
}

function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Lets pending callbacks run, then collects twice (some garbage needs a second cycle). */
async function settleAndCollect(gc: () => void): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  gc();
}

async function sample(contender: Contender, jobs: number, gc: () => void): Promise<Sample> {
  await settleAndCollect(gc);
  const heapBefore = process.memoryUsage().heapUsed;
  const start = performance.now();
  await contender.run(jobs);
  const ms = performance.now() - start;
  const heapAfter = process.memoryUsage().heapUsed;
  await settleAndCollect(gc);
  const retained = process.memoryUsage().heapUsed;
  return { jobsPerSec: (jobs / ms) * 1000, heapDeltaMb: (heapAfter - heapBefore) / 2 ** 20, retainedMb: (retained - heapBefore) / 2 ** 20 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** What {@link measureJobs} returns: the markdown and the medians the targets are checked on. */
export interface JobsBenchResult {
  markdown: string;
  /** Median jobs/s per contender. */
  rates: { name: string; jobsPerSec: number }[];
}

function table(jobs: number, reps: number, samples: Map<string, Sample[]>): string {
  const pq = median((samples.get('p-queue 9') ?? []).map((s) => s.jobsPerSec));
  const rows = contenders.map(({ name }) => {
    const s = samples.get(name) ?? [];
    const rate = s.map((x) => x.jobsPerSec);
    const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
    return (
      `| ${name} | ${fmt(median(rate))} | ${fmt(Math.min(...rate))}–${fmt(Math.max(...rate))} | ` +
      `${median(s.map((x) => x.heapDeltaMb)).toFixed(1)} | ${median(s.map((x) => x.retainedMb)).toFixed(2)} | ` +
      `${(median(rate) / pq).toFixed(2)}× |`
    );
  });
  return [
    `### Job runner: ${jobs.toLocaleString('en-US')} trivial jobs, concurrency ${CONCURRENCY}, ${reps} repetitions`,
    '',
    `Node ${process.version}, ${availableParallelism()} cores. Heap Δ: heapUsed after the run minus before (GC'd), ` +
      'before collecting; retained: the same after a full GC.',
    '',
    '| implementation | jobs/s (median) | jobs/s (min–max) | heap Δ MB (median) | retained MB (median) | vs p-queue |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
  ].join('\n');
}

/**
 * Runs the benchmark and returns a markdown table (jobs/s median, heap delta, ratio vs p-queue).
 * The contenders run interleaved, after one warm-up round.
 *
 * @example
 * ```ts
 * console.log(await runJobsBench({ quick: true }));
 * ```
 */
export async function runJobsBench(options: JobsBenchOptions = {}): Promise<string> {
  return (await measureJobs(options)).markdown;
}

/**
 * {@link runJobsBench} with the medians as numbers, for `bench/run.ts`'s targets.
 *
 * @example
 * ```ts
 * const { rates } = await measureJobs({ quick: true });
 * ```
 */
export async function measureJobs({ quick = false, smoke = false }: JobsBenchOptions = {}): Promise<JobsBenchResult> {
  const jobs = smoke ? 2_000 : quick ? 20_000 : 100_000;
  const reps = smoke ? 1 : quick ? 3 : 7;
  const gc = gcFunction();
  const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]));
  for (const contender of contenders) await sample(contender, Math.min(jobs, 20_000), gc); // warm-up
  for (let rep = 0; rep < reps; rep++) {
    for (const contender of contenders) samples.get(contender.name)?.push(await sample(contender, jobs, gc));
  }
  const rates = contenders.map(({ name }) => ({ name, jobsPerSec: median((samples.get(name) ?? []).map((x) => x.jobsPerSec)) }));
  return { markdown: table(jobs, reps, samples), rates };
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  runJobsBench({ quick: process.argv.includes('--quick') }).then(
    (markdown) => console.log(markdown),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
