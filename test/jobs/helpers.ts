import type { JobLogger } from '../../src/jobs/index.js';

/** A logger double that records what the runner logs. */
export interface RecordingLogger extends JobLogger {
  warnings: { obj: object; msg: string }[];
  debugs: { obj: object; msg: string }[];
}

export function recordingLogger(): RecordingLogger {
  const warnings: { obj: object; msg: string }[] = [];
  const debugs: { obj: object; msg: string }[] = [];
  return {
    warnings,
    debugs,
    warn: (obj, msg) => void warnings.push({ obj, msg }),
    debug: (obj, msg) => void debugs.push({ obj, msg }),
  };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A promise settled from outside. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Waits until `signal` aborts, then rejects with its reason: a job that honours its signal and never finishes. */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** A job that never settles and ignores its signal. */
export function forever(): Promise<never> {
  return new Promise<never>(() => undefined);
}

/** Polls `condition` every few ms; rejects after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await delay(2);
  }
}

/** Settles what `promise` did, without throwing. */
export async function outcome<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}
