/**
 * A file event whose reload has to wait for its turn (a refresh is still reading the file) and
 * only gets it after `close()` began: that reload must not happen. No re-read, no
 * `onExternalChange` call (not even to a listener subscribed while closing), no error logged.
 *
 * The debounced watcher is wrapped so the test can fire the store's "the file went quiet"
 * callback at an exact moment (its own timer is set far off and never fires); the adapter holds
 * the refresh's read, so the order of events is fixed, not a matter of timing.
 */
import { writeFile } from 'node:fs/promises';
import type { Adapter } from 'lowdb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** The store's debounced file-event callback, by watched file. */
const fileEvents = new Map<string, () => void>();

vi.mock('../../src/persistence/fileWatcher.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/persistence/fileWatcher.js')>();
  const watchFileDebounced: typeof real.watchFileDebounced = (file, debounceMs, onQuiet, logger) => {
    fileEvents.set(file, onQuiet);
    return real.watchFileDebounced(file, debounceMs, onQuiet, logger);
  };
  return { ...real, watchFileDebounced };
});

const { lowdbStore } = await import('../../src/persistence/index.js');
const { durableFileAdapter } = await import('../../src/persistence/durableFileAdapter.js');
const { account, captureLogger, tempDir } = await import('./helpers.js');
type StoreFile = import('../../src/persistence/fileSchema.js').StoreFile;

/** The durable adapter on `file`, counting reads; `holdNextRead()` makes the next read wait, once it has read, until released. */
function holdingAdapter(file: string): Adapter<StoreFile> & { reads: number; holdNextRead: () => { reached: Promise<void>; release: () => void } } {
  const real = durableFileAdapter(file);
  let held: { arrive: () => void; gate: Promise<void> } | undefined;
  const adapter = {
    reads: 0,
    read: async () => {
      adapter.reads++;
      const data = await real.read();
      const hold = held;
      held = undefined;
      if (hold) {
        hold.arrive();
        await hold.gate;
      }
      return data;
    },
    write: (data: StoreFile) => real.write(data),
    holdNextRead: () => {
      let arrive!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((resolve) => (arrive = resolve));
      const gate = new Promise<void>((resolve) => (release = resolve));
      held = { arrive, gate };
      return { reached, release };
    },
  };
  return adapter;
}

/** `promise`, or a rejection naming `what` after `ms` (so a regression fails fast, not at the test timeout). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

let tmp: Awaited<ReturnType<typeof tempDir>>;
/** Run after each test, also when it failed half-way (release the held read, close the store). */
let cleanups: (() => unknown)[] = [];
beforeEach(async () => {
  tmp = await tempDir();
  fileEvents.clear();
  cleanups = [];
});
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await tmp.cleanup();
});

describe('a file event whose reload starts after close() began', () => {
  it.each([
    ['a changed file', json({ version: 2, accounts: [account('a'), account('b')], supervision: {} })],
    ['a corrupt file', '{ "version": 2, "accounts": [ oops'],
  ])('%s: is not reloaded, notifies no listener and logs nothing', async (_name, second) => {
    await writeFile(tmp.file, json({ version: 2, accounts: [], supervision: {} }), { mode: 0o600 });
    const adapter = holdingAdapter(tmp.file);
    const logger = captureLogger();
    // The watcher's own debounce never fires during the test: only `fileEvent()` below does.
    const store = await lowdbStore({ file: tmp.file, watch: true, watchDebounceMs: 600_000, adapter, logger });
    cleanups.push(() => store.close());
    const fileEvent = fileEvents.get(tmp.file);
    expect(fileEvent).toBeDefined();
    expect(adapter.reads).toBe(1);

    // A first external edit, being reloaded by a refresh whose read is held: the store is busy.
    await writeFile(tmp.file, json({ version: 2, accounts: [account('a')], supervision: {} }));
    const hold = adapter.holdNextRead();
    cleanups.push(hold.release);
    const refreshed = store.refresh!();
    await within(hold.reached, 5_000, 'the refresh did not read the file');
    // A second edit; its event fires now and its reload waits behind the refresh.
    await writeFile(tmp.file, second);
    fileEvent!();
    // Then the store is closed, and someone subscribes while it closes.
    const closed = store.close();
    let calls = 0;
    store.onExternalChange!(() => void calls++);
    hold.release();
    await refreshed;
    await closed;

    // The refresh (started before close) reloaded the first edit; the event's reload did nothing.
    expect(adapter.reads).toBe(2);
    expect((await store.loadAll()).map((a) => a.id)).toEqual(['a']);
    expect(calls).toBe(0);
    expect(logger.lines.filter((l) => l.level !== 'info')).toEqual([]);
  });
});
