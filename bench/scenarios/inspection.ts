/**
 * Scenario 8: what XState inspection costs. The same bulk start (pre-filled memory store, trivial
 * worker) with `inspect` off, with a no-op observer, and with an observer that `JSON.stringify`s
 * every event (what a relay to an inspector does at least).
 */
import type { InspectionEvent } from 'xstate';
import { runChild } from '../lib/spawn.js';
import { fmt, median, range, ratio, short, table } from '../lib/stats.js';
import { bulkSupervisor } from '../lib/supervisor.js';
import { trivialWorkers } from '../lib/workers.js';

export type InspectionMode = 'off' | 'noop' | 'stringify';
const NAMES: Record<InspectionMode, string> = {
  off: 'inspection off (default)',
  noop: 'no-op observer',
  stringify: 'observer that `JSON.stringify`s every event',
};

export interface InspectionParams {
  mode: InspectionMode;
  n: number;
  warmup: number;
}

export interface InspectionResult {
  startMs: number;
  stopMs: number;
  events: number;
  bytes: number;
  stringifyErrors: number;
}

async function once(mode: InspectionMode, n: number): Promise<InspectionResult> {
  const counters = { events: 0, bytes: 0, stringifyErrors: 0 };
  const noop = (): void => {};
  const stringify = (event: InspectionEvent): void => {
    counters.events += 1;
    try {
      counters.bytes += JSON.stringify(event).length;
    } catch {
      counters.stringifyErrors += 1;
    }
  };
  const inspect = mode === 'off' ? undefined : mode === 'noop' ? noop : stringify;
  const w = trivialWorkers();
  const sup = bulkSupervisor(n, { worker: w.worker, ...(inspect ? { inspect } : {}) });
  const t0 = performance.now();
  await sup.start();
  await w.whenStarted(n);
  const startMs = performance.now() - t0;
  const t1 = performance.now();
  await sup.shutdown({ timeoutMs: 120_000 });
  return { startMs, stopMs: performance.now() - t1, ...counters };
}

/** Child side. */
export async function measureInspection({ mode, n, warmup }: InspectionParams): Promise<InspectionResult> {
  if (warmup > 0) await once(mode, warmup);
  return once(mode, n);
}

// ── parent side ───────────────────────────────────────────────────────────────────────────────

export interface InspectionConfig {
  n: number;
  reps: number;
  warmup: number;
}

export async function runInspection(config: InspectionConfig, progress: (line: string) => void): Promise<string> {
  const modes: InspectionMode[] = ['off', 'noop', 'stringify'];
  const samples = new Map<InspectionMode, InspectionResult[]>();
  const errors: string[] = [];
  for (let rep = 0; rep < config.reps; rep++) {
    for (const mode of modes) {
      try {
        const r = await runChild('inspection', { mode, n: config.n, warmup: config.warmup }, 600_000);
        (samples.get(mode) ?? samples.set(mode, []).get(mode)!).push(r);
        progress(`inspection rep ${rep + 1}/${config.reps} ${mode}: start ${fmt(r.startMs)} ms`);
      } catch (err) {
        errors.push(`${mode}: ${err instanceof Error ? err.message.split('\n')[0]! : String(err)}`);
        progress(`inspection ${mode}: ${String(err)}`);
      }
    }
  }
  const offUs = median((samples.get('off') ?? []).map((r) => (r.startMs * 1000) / config.n));
  const offStop = median((samples.get('off') ?? []).map((r) => r.stopMs));
  const rows = modes.map((mode) => {
    const s = samples.get(mode) ?? [];
    const us = s.map((r) => (r.startMs * 1000) / config.n);
    const stop = median(s.map((r) => r.stopMs));
    return [
      NAMES[mode],
      fmt(median(us), 1),
      range(us, 1),
      ratio(median(us), offUs),
      fmt(stop),
      ratio(stop, offStop),
      mode === 'stringify' ? fmt(median(s.map((r) => r.events / config.n)), 1) : '',
      mode === 'stringify' ? fmt(median(s.map((r) => r.bytes / config.n))) : '',
      mode === 'stringify' ? fmt(Math.max(0, ...s.map((r) => r.stringifyErrors))) : '',
    ];
  });
  return [
    `Bulk start of ${short(config.n)} accounts (pre-filled memory store, trivial worker) until every worker runs, then graceful shutdown; ` +
      `the observer is given to the root and to every task. Medians of ${config.reps} child processes per mode.`,
    '',
    table(
      ['inspection', 'start µs/account', 'min–max', 'vs off', 'shutdown ms', 'vs off', 'events/account (start+stop)', 'JSON bytes/account', 'stringify errors'],
      rows,
      'lrrrrrrrr',
    ),
    ...(errors.length ? ['', `⚠ failed runs: ${errors.join('; ')}`] : []),
  ].join('\n');
}
