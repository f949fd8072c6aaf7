// Benchmark of the lowdb account store: update throughput and latency at 1k, 10k and 100k stored
// accounts, with group commit (1,000 concurrent updates) and with sequential awaited updates,
// plus the file size. Every update is durable (fsync + rename + directory fsync) when it resolves.
//
//   npx tsx bench/store.ts           # full: 1k, 10k, 20k, 50k, 100k
//   npx tsx bench/store.ts --quick   # 1k, 10k and 20k, fewer rounds
//   npx tsx bench/store.ts --sizes=1000,30000   # chosen sizes
//
// It also says from how many accounts one update at a time takes longer than an operator should
// wait (OPERATOR_MS, p50), interpolated linearly in file size between the two sizes around it:
// up to there lowdb is the right store.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Account } from '../src/account.js';
import { durableFileAdapter } from '../src/persistence/durableFileAdapter.js';
import type { StoreFile } from '../src/persistence/fileSchema.js';
import { lowdbStore, type AccountStore } from '../src/persistence/index.js';

interface SizeResult {
  accounts: number;
  fileBytes: number;
  seedMs: number;
  serializeMs: number;
  sequential: Latencies;
  group: Latencies & { writesPer1000: number };
}

interface Latencies {
  count: number;
  totalMs: number;
  p50: number;
  p99: number;
}

const silent = { info() {}, warn() {}, error() {} };

/** One awaited update should take at most this long (p50) for a person at the CLI or API. */
export const OPERATOR_MS = 50;

function makeAccount(i: number, version: number): Account {
  return {
    id: `account-${i}`,
    enabled: i % 10 !== 0,
    credentials: `token-${i}-${'x'.repeat(32)}`,
    settings: { region: i % 2 ? 'eu' : 'us', version, keywords: ['price', 'stock', 'hours'] },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function summarize(latencies: number[], totalMs: number): Latencies {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { count: latencies.length, totalMs, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function sequentialUpdates(store: AccountStore, size: number, count: number): Promise<Latencies> {
  const latencies: number[] = [];
  const total = await timed(async () => {
    for (let n = 0; n < count; n++) latencies.push(await timed(() => store.put(makeAccount((n * 7919) % size, n + 1))));
  });
  return summarize(latencies, total);
}

async function groupUpdates(store: AccountStore, size: number, rounds: number, writes: () => number): Promise<SizeResult['group']> {
  const latencies: number[] = [];
  const before = writes();
  let total = 0;
  for (let r = 0; r < rounds; r++) {
    total += await timed(() =>
      Promise.all(Array.from({ length: 1000 }, (_, n) => timed(() => store.put(makeAccount((n * 104729 + r) % size, r + 2))).then((ms) => void latencies.push(ms)))).then(
        () => undefined,
      ),
    );
  }
  return { ...summarize(latencies, total), writesPer1000: (writes() - before) / rounds };
}

async function benchSize(dir: string, size: number, quick: boolean): Promise<SizeResult> {
  const file = path.join(dir, `store-${size}.json`);
  const real = durableFileAdapter(file);
  let writes = 0;
  const adapter = {
    read: () => real.read(),
    write: async (data: StoreFile) => {
      await real.write(data);
      writes++;
    },
  };
  const store = await lowdbStore({ file, secret: 'bench-secret', adapter, logger: silent });
  try {
    const seedMs = await timed(() => Promise.all(Array.from({ length: size }, (_, i) => store.put(makeAccount(i, 1)))).then(() => undefined));
    const sequential = await sequentialUpdates(store, size, sequentialCount(size, quick));
    const group = await groupUpdates(store, size, quick ? 1 : 3, () => writes);
    const serializeMs = await serializeCost(real);
    return { accounts: size, fileBytes: (await stat(file)).size, seedMs, serializeMs, sequential, group };
  } finally {
    await store.close();
  }
}

/** The CPU part of a write: `JSON.stringify` of the whole file, as the adapter does it. */
async function serializeCost(adapter: { read: () => Promise<StoreFile | null> }): Promise<number> {
  const data = await adapter.read();
  const start = performance.now();
  for (let i = 0; i < 3; i++) JSON.stringify(data, null, 2);
  return (performance.now() - start) / 3;
}

function sequentialCount(size: number, quick: boolean): number {
  const base = size >= 100_000 ? 20 : size >= 10_000 ? 100 : 300;
  return quick ? Math.ceil(base / 3) : base;
}

const ms = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(0));
const perSecond = (count: number, totalMs: number): string => Math.round((count / totalMs) * 1000).toLocaleString('en-US');
const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(2);

function toMarkdown(results: SizeResult[], quick: boolean): string {
  const lines = [
    `### Account store (lowdb, durable writes, credentials encrypted)${quick ? ' — quick' : ''}`,
    '',
    `Node ${process.version}, ${os.cpus().length} CPU(s), ${os.platform()}, temp dir ${os.tmpdir()}. Latency in ms.`,
    '',
    '| accounts | file MiB | stringify ms | sequential p50 | sequential p99 | sequential updates/s | group p50 | group p99 | group updates/s | writes per 1,000 concurrent |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.accounts.toLocaleString('en-US')} | ${mib(r.fileBytes)} | ${ms(r.serializeMs)} | ${ms(r.sequential.p50)} | ${ms(r.sequential.p99)} | ` +
        `${perSecond(r.sequential.count, r.sequential.totalMs)} | ${ms(r.group.p50)} | ${ms(r.group.p99)} | ` +
        `${perSecond(r.group.count, r.group.totalMs)} | ${r.group.writesPer1000.toFixed(1)} |`,
    );
  }
  lines.push('', growthNote(results), '', operatorNote(results));
  return lines.join('\n');
}

/**
 * From how many accounts a sequential update's p50 passes {@link OPERATOR_MS}, interpolated
 * linearly in file size between the measured sizes around it (`undefined` if none or all pass it).
 */
export function operatorLimit(results: readonly Pick<SizeResult, 'accounts' | 'fileBytes' | 'sequential'>[]): number | undefined {
  const sorted = [...results].sort((a, b) => a.accounts - b.accounts);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (a.sequential.p50 <= OPERATOR_MS && b.sequential.p50 > OPERATOR_MS) {
      const f = (OPERATOR_MS - a.sequential.p50) / (b.sequential.p50 - a.sequential.p50);
      return Math.round(a.accounts + f * (b.accounts - a.accounts));
    }
  }
  return undefined;
}

function operatorNote(results: SizeResult[]): string {
  const limit = operatorLimit(results);
  const largest = results[results.length - 1];
  if (limit !== undefined) {
    return `**One update at a time passes ${OPERATOR_MS} ms (p50) at about ${limit.toLocaleString('en-US')} accounts** on this machine ` +
      '(interpolated between the measured sizes around it). Up to there lowdb is the right store; beyond it, use a store that writes one record at a time.';
  }
  if (largest && largest.sequential.p50 <= OPERATOR_MS) return `One update at a time stays under ${OPERATOR_MS} ms (p50) up to ${largest.accounts.toLocaleString('en-US')} accounts, the largest size measured.`;
  return `One update at a time takes more than ${OPERATOR_MS} ms (p50) at every size measured.`;
}

/** How the cost of one write grows with the file: the slope between the smallest and largest size. */
function growthNote(results: SizeResult[]): string {
  const first = results[0];
  const last = results[results.length - 1];
  if (!first || !last || first === last) return '';
  const slope = (last.sequential.p50 - first.sequential.p50) / ((last.fileBytes - first.fileBytes) / 1024 / 1024);
  return (
    `One write rewrites the whole file: a sequential update costs ${ms(first.sequential.p50)} ms at ` +
    `${first.accounts.toLocaleString('en-US')} accounts and ${ms(last.sequential.p50)} ms at ${last.accounts.toLocaleString('en-US')} ` +
    `(about ${ms(slope)} ms more per MiB of file). Group commit shares one write among all concurrent updates.`
  );
}

/**
 * Runs the store benchmark in a temp directory (removed afterwards) and returns a markdown report.
 *
 * @example
 * ```ts
 * console.log(await runStoreBench({ quick: true }));
 * ```
 */
export async function runStoreBench({ quick = false, sizes }: { quick?: boolean; sizes?: number[] } = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'statevisor-bench-'));
  try {
    const results: SizeResult[] = [];
    for (const size of sizes ?? (quick ? [1_000, 10_000, 20_000] : [1_000, 10_000, 20_000, 50_000, 100_000])) results.push(await benchSize(dir, size, quick));
    return toMarkdown(results, quick);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizesArg = process.argv.find((a) => a.startsWith('--sizes='))?.slice('--sizes='.length);
  const sizes = sizesArg?.split(',').map(Number);
  runStoreBench({ quick: process.argv.includes('--quick'), ...(sizes ? { sizes } : {}) }).then(
    (report) => console.log(report),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
