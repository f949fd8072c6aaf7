import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';

/** Every default of {@link EventLoopDelayOptions}, in one place. */
export const EVENT_LOOP_DELAY_DEFAULTS = Object.freeze({
  /** How often the loop is sampled. Each sample is one timer; 10 ms is 100 cheap callbacks a second. */
  resolutionMs: 10,
  /** The window the quantiles and the maximum cover (a sliding window, as Prometheus summaries use). */
  windowMs: 60_000,
  /** The window slides in this many steps (each step drops its oldest sixth). */
  buckets: 6,
});

/** Options of {@link sampleEventLoopDelay}. */
export interface EventLoopDelayOptions {
  resolutionMs?: number;
  windowMs?: number;
  buckets?: number;
  /** Milliseconds, monotonic. Default `performance.now`. */
  now?: () => number;
}

/** What a scrape reads: quantiles and maximum over the window, sum and count since the start. */
export interface EventLoopDelayReading {
  /** Seconds, by quantile (0.5, 0.9, 0.99); 0 when no sample fell in the window. */
  quantiles: ReadonlyMap<number, number>;
  maxSeconds: number;
  /** Every delay observed since the sampler started, in seconds (a summary's `_sum`). */
  sumSeconds: number;
  /** Samples taken since the sampler started (a summary's `_count`). */
  count: number;
}

/** A running sampler: `read()` at any time, as often as wanted; `stop()` clears its timer. */
export interface EventLoopDelaySampler {
  read(): EventLoopDelayReading;
  stop(): void;
}

/** The quantiles statevisor reports. */
export const EVENT_LOOP_QUANTILES: readonly number[] = [0.5, 0.9, 0.99];

/**
 * Samples event-loop delay: a timer due every `resolutionMs` records how late it fired.
 *
 * Why not `monitorEventLoopDelay()` alone: it records the time between its timer's runs, so an
 * idle process reads the resolution itself (20 ms at resolution 20), and its one histogram has to
 * be reset to make a window, so two Prometheus servers scraping one process each reset the
 * other's window. Here each sample is the lateness alone (the resolution is not in it), and the
 * window slides by time, in `buckets` steps, whoever reads it: a read changes nothing. The timer
 * is unref'd: it never keeps the process alive.
 *
 * @example
 * ```ts
 * const loop = sampleEventLoopDelay();
 * loop.read().quantiles.get(0.99); // seconds, over the last minute
 * loop.stop();
 * ```
 */
export function sampleEventLoopDelay(options: EventLoopDelayOptions = {}): EventLoopDelaySampler {
  const { resolutionMs, windowMs, buckets } = { ...EVENT_LOOP_DELAY_DEFAULTS, ...options };
  const now = options.now ?? (() => performance.now());
  const stepMs = windowMs / buckets;
  // The last `buckets` steps, oldest first; the last one is being filled.
  const ring: RecordableHistogram[] = [createHistogram()];
  let stepStart = now();
  let sumNs = 0;
  let count = 0;
  let due = now() + resolutionMs;
  let timer: NodeJS.Timeout | undefined;

  const tick = (): void => {
    const at = now();
    const lateNs = Math.max(0, Math.round((at - due) * 1e6));
    if (at - stepStart >= stepMs) {
      ring.push(createHistogram());
      if (ring.length > buckets) ring.shift();
      stepStart = at;
    }
    // A RecordableHistogram takes integers >= 1: 1 ns stands for "on time".
    ring.at(-1)!.record(Math.max(1, lateNs));
    sumNs += lateNs;
    count += 1;
    due = at + resolutionMs;
    timer = setTimeout(tick, resolutionMs);
    timer.unref();
  };
  timer = setTimeout(tick, resolutionMs);
  timer.unref();

  return {
    read: () => {
      const window = createHistogram();
      for (const h of ring) window.add(h);
      const seconds = (ns: number) => (window.count > 0 && Number.isFinite(ns) && ns > 1 ? ns / 1e9 : 0);
      return {
        quantiles: new Map(EVENT_LOOP_QUANTILES.map((q) => [q, seconds(window.percentile(q * 100))])),
        maxSeconds: seconds(window.max),
        sumSeconds: sumNs / 1e9,
        count,
      };
    },
    stop: () => clearTimeout(timer),
  };
}
