import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** `global.gc`, exposed by `--expose-gc` (the bench's child processes run with it) or at run time. */
export function gcFunction(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Resolves after the current macrotask queue has had a turn. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Lets pending callbacks run, then collects twice (some garbage needs a second cycle). */
export async function settleAndCollect(): Promise<void> {
  const gc = gcFunction();
  await tick();
  await tick();
  gc();
  gc();
}

/** `heapUsed` and `rss` after {@link settleAndCollect}. */
export async function memoryNow(): Promise<{ heapUsed: number; rss: number }> {
  await settleAndCollect();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}
