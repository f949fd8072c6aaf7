import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lowdbStore, type AccountStore } from '../../src/persistence/index.js';
import { account, captureLogger, instrumentedAdapter, tempDir } from './helpers.js';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let store: AccountStore | undefined;
beforeEach(async () => {
  tmp = await tempDir();
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  await tmp.cleanup();
});

const DEBOUNCE_MS = 50;

async function openWatching(logger = captureLogger(), secret?: string): Promise<AccountStore> {
  store = await lowdbStore({ file: tmp.file, watch: true, watchDebounceMs: DEBOUNCE_MS, logger, secret });
  return store;
}

/** Resolves on the next listener call; rejects after `ms`. */
function nextChange(s: AccountStore, ms = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off?.();
      reject(new Error(`no external change reported within ${ms} ms`));
    }, ms);
    const off = s.onExternalChange?.(() => {
      clearTimeout(timer);
      off?.();
      resolve();
    });
  });
}

async function until(condition: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

async function editExternally(edit: (doc: { accounts: unknown[] }) => void): Promise<void> {
  const doc = JSON.parse(await readFile(tmp.file, 'utf8')) as { accounts: unknown[] };
  edit(doc);
  await writeFile(tmp.file, JSON.stringify(doc, null, 2));
}

describe('watch: external changes', () => {
  it('fires the listener on an external edit, after which loadAll returns the new content', async () => {
    const s = await openWatching();
    await s.put(account('mine'));
    const changed = nextChange(s);
    await editExternally((doc) => doc.accounts.push(account('theirs', { settings: { by: 'editor' } })));
    await changed;
    expect((await s.loadAll()).map((a) => a.id)).toEqual(['mine', 'theirs']);
    expect((await s.get('theirs'))?.settings).toEqual({ by: 'editor' });
    // Our next write builds on the reloaded content.
    await s.put(account('after'));
    expect((JSON.parse(await readFile(tmp.file, 'utf8')) as { accounts: { id: string }[] }).accounts.map((a) => a.id)).toEqual([
      'mine',
      'theirs',
      'after',
    ]);
  });

  it('does not fire for the store’s own writes', async () => {
    const s = await openWatching(captureLogger(), 'secret');
    let calls = 0;
    s.onExternalChange?.(() => void calls++);
    for (let i = 0; i < 20; i++) await s.put(account(`own-${i}`, { credentials: `t${i}` }));
    await Promise.all(Array.from({ length: 100 }, (_, i) => s.put(account(`burst-${i}`))));
    await s.saveSupervision('own-1', { restartHistory: [], restarts: 1 });
    await sleep(DEBOUNCE_MS * 6);
    expect(calls).toBe(0);
  });

  it('keeps the old data, logs an error and does not fire when the new content is invalid', async () => {
    const logger = captureLogger();
    const s = await openWatching(logger);
    await s.put(account('kept'));
    let calls = 0;
    s.onExternalChange?.(() => void calls++);
    await writeFile(tmp.file, '{ "version": 2, "accounts": [ oops');
    await until(() => logger.lines.some((l) => l.level === 'error'));
    expect(logger.lines.find((l) => l.level === 'error')?.msg).toMatch(/cannot be loaded; keeping the data in memory/);
    expect(logger.lines.find((l) => l.level === 'error')?.obj).toMatchObject({ file: tmp.file, err: expect.stringContaining('cannot be used') });
    await writeFile(tmp.file, JSON.stringify({ version: 2, accounts: [{ id: 'x', enabled: 'maybe', settings: {} }], supervision: {} }));
    await until(() => logger.lines.filter((l) => l.level === 'error').length >= 2);
    await sleep(DEBOUNCE_MS * 2);
    expect(calls).toBe(0);
    expect((await s.loadAll()).map((a) => a.id)).toEqual(['kept']);
  });

  it('stops watching on close, and has no onExternalChange without watch', async () => {
    const watchers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'FSEventWrap').length;
    const baseline = watchers();
    const s = await openWatching();
    expect(watchers()).toBe(baseline + 1);
    await s.close();
    store = undefined;
    expect(watchers()).toBe(baseline);
    store = await lowdbStore({ file: tmp.file, logger: captureLogger() });
    expect('onExternalChange' in store).toBe(false);
  });
});

describe('watch: the cases around an external change (from the mutation run)', () => {
  it('a removed file is logged, fires nothing, keeps the data in memory, and the next write recreates it', async () => {
    const logger = captureLogger();
    const s = await openWatching(logger);
    await s.put(account('kept'));
    let calls = 0;
    s.onExternalChange?.(() => void calls++);
    await rm(tmp.file);
    await until(() => logger.lines.some((l) => l.msg.includes('was removed')));
    expect(logger.lines.find((l) => l.msg.includes('was removed'))).toMatchObject({ level: 'warn', obj: { file: tmp.file }, msg: 'statevisor store: the data file was removed; the next write recreates it' });
    await sleep(DEBOUNCE_MS * 2);
    expect(calls).toBe(0);
    expect((await s.loadAll()).map((a) => a.id)).toEqual(['kept']);
    await s.put(account('next'));
    expect((JSON.parse(await readFile(tmp.file, 'utf8')) as { accounts: { id: string }[] }).accounts.map((a) => a.id)).toEqual(['kept', 'next']);
  });

  it('a listener that throws is logged, the others still hear of the change, and an unsubscribed one does not', async () => {
    const logger = captureLogger();
    const s = await openWatching(logger);
    await s.put(account('a'));
    let unsubscribedCalls = 0;
    const off = s.onExternalChange!(() => void unsubscribedCalls++);
    off();
    s.onExternalChange!(() => {
      throw new Error('listener broke');
    });
    const changed = nextChange(s);
    await editExternally((doc) => doc.accounts.push(account('b')));
    await changed;
    expect(unsubscribedCalls).toBe(0);
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([
      expect.objectContaining({ obj: expect.objectContaining({ file: tmp.file, err: 'listener broke' }), msg: 'statevisor store: an onExternalChange listener threw' }),
    ]);
  });

  it('an external edit that put a plaintext credential in an encrypted file is rewritten encrypted; one that needs nothing is left as written', async () => {
    const s = await openWatching(captureLogger(), 'the-secret');
    await s.put(account('a', { credentials: 'first' }));
    // As an operator would: compact JSON, nothing to re-encode. The file stays byte for byte.
    const compact = JSON.stringify(JSON.parse(await readFile(tmp.file, 'utf8')));
    let changed = nextChange(s);
    await writeFile(tmp.file, compact);
    await changed;
    await sleep(DEBOUNCE_MS * 3);
    expect(await readFile(tmp.file, 'utf8')).toBe(compact);
    // A plaintext credential: reloaded, then written back encrypted.
    changed = nextChange(s);
    await editExternally((doc) => doc.accounts.push(account('b', { credentials: 'typed-in-plaintext' })));
    await changed;
    await until(() => !readFileSync(tmp.file, 'utf8').includes('typed-in-plaintext'));
    expect((await s.get('b'))?.credentials).toBe('typed-in-plaintext');
  });

  it('a rewrite of the reloaded file that fails is logged, and the reloaded data is kept', async () => {
    const logger = captureLogger();
    const adapter = instrumentedAdapter(tmp.file);
    store = await lowdbStore({ file: tmp.file, watch: true, watchDebounceMs: DEBOUNCE_MS, logger, secret: 'the-secret', adapter });
    const s = store;
    await s.put(account('a', { credentials: 'first' }));
    adapter.failNext = 1;
    const changed = nextChange(s);
    await editExternally((doc) => doc.accounts.push(account('b', { credentials: 'typed-in-plaintext' })));
    await changed;
    await until(() => logger.lines.some((l) => l.msg === 'statevisor store: rewriting the reloaded file failed'));
    expect(logger.lines.find((l) => l.msg === 'statevisor store: rewriting the reloaded file failed')).toMatchObject({ level: 'error', obj: { file: tmp.file, err: expect.stringContaining('ENOSPC') } });
    expect((await s.get('b'))?.credentials).toBe('typed-in-plaintext');
  });
});
