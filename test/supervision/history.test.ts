/**
 * The flight recorder: `supervisor.history(id)` tells what happened to an account (task
 * transitions, decisions, commands, errors) with clock timestamps, bounded, and its newest
 * entries survive a restart of the process with both stores.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { AccountNotFoundError, historyEntrySchema, lowdbStore, memoryStore, type AccountStore, type HistoryEntry, type Supervisor } from '../../src/index.js';
import { controllableWorker } from '../../src/testing/index.js';
import { memoryLogger } from '../helpers/memoryLogger.js';
import { silent, startSupervisor } from '../helpers/supervisor.js';

const SECRET = 'sk_live_history-must-not-hold-this';

const running: Supervisor[] = [];
afterEach(async () => {
  for (const sup of running.splice(0)) await sup.shutdown({ timeoutMs: 1_000 });
});

async function start(options: Parameters<typeof startSupervisor>[0] = {}, cw = controllableWorker()) {
  const r = await startSupervisor(options, cw);
  running.push(r.sup);
  return r;
}

/** The entries without their timestamps, for readable expectations. */
function kinds(entries: HistoryEntry[]): string[] {
  return entries.map((e) =>
    e.kind === 'transition' ? `${e.incarnation}: ${e.from ?? '∅'} → ${e.to} (${e.event})`
    : e.kind === 'command' ? `command ${e.command} ${e.outcome}${e.error?.code ? ` ${e.error.code}` : ''}`
    : e.kind === 'error' ? `${e.incarnation}: error ${e.code ?? ''} ${e.message}`.replace('  ', ' ')
    : e.kind === 'restartScheduled' ? `${e.incarnation}: restart in ${e.delayMs} ms`
    : e.kind === 'suspended' ? `${e.incarnation}: suspended (${e.cause}${e.cause === 'intensity' ? ` ${e.restartsInWindow}/${e.maxRestarts}` : ''})`
    : e.kind === 'finished' ? `${e.incarnation}: finished (${e.reason})`
    : `${e.incarnation}: escalated`,
  );
}

describe('supervisor.history(id)', () => {
  it('records a failure, the restart decision with its delay, and the next incarnation, stamped by the clock', async () => {
    const clock = new SimulatedClock();
    clock.set(1_000);
    const { sup, cw } = await start({ clock, restart: { backoff: { minMs: 50, maxMs: 50, jitter: 'none' } } });
    await sup.add({ id: 'a', credentials: SECRET });
    await sup.waitFor('a', 'running');
    clock.increment(10);
    (await cw.nextInstance('a', 0)).reject(Object.assign(new Error('connection reset'), { code: 'ECONNRESET' }));
    await sup.waitFor('a', 'backoff');
    clock.increment(50);
    await sup.waitFor('a', (s) => s.state === 'running' && s.incarnation === 2);
    const history = sup.history('a');
    // The add command is recorded when it resolves, which may come before or after LOADED.
    expect(kinds(history).filter((k) => k.startsWith('command'))).toEqual(['command add ok']);
    expect(kinds(history).filter((k) => !k.startsWith('command'))).toEqual([
      '1: ∅ → loading (start)',
      '1: loading → running (LOADED)',
      '1: running → failed (WORKER_FAILED)',
      '1: error ECONNRESET connection reset',
      '1: failed → cleaned (SETTLED)',
      '1: restart in 50 ms',
      '2: ∅ → loading (start)',
      '2: loading → running (LOADED)',
    ]);
    expect(history.find((e) => e.kind === 'restartScheduled')).toMatchObject({ at: 1_010, restartAt: 1_060, attempt: 0 });
    expect(history.at(-1)?.at).toBe(1_060);
    for (const entry of history) expect(historyEntrySchema.safeParse(entry).success).toBe(true);
    expect(JSON.stringify(history)).not.toContain(SECRET);
  });

  it('records why an account was suspended: restarts in the window against maxRestarts', async () => {
    const { sup, cw } = await start({ restart: { backoff: { minMs: 1, maxMs: 1, jitter: 'none' }, intensity: { maxRestarts: 2, withinMs: 60_000 } } });
    await sup.add({ id: 'a' });
    for (let i = 0; i < 3; i++) (await cw.nextInstance('a', i)).reject(new Error(`crash ${i + 1}`));
    await sup.waitFor('a', 'suspended');
    const suspended = sup.history('a').find((e) => e.kind === 'suspended');
    expect(suspended).toMatchObject({ incarnation: 3, cause: 'intensity', restartsInWindow: 2, maxRestarts: 2, withinMs: 60_000, error: { message: 'crash 3' } });
    expect(kinds(sup.history('a')).filter((k) => k.includes('restart in'))).toHaveLength(2);
  });

  it('records commands and their outcome, a failed one with its error code', async () => {
    const { sup } = await start();
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    await sup.disable('a');
    await sup.enable('a');
    await expect(sup.update('a', { enabled: 'yes' } as never)).rejects.toMatchObject({ code: 'INVALID_ACCOUNT' });
    await sup.restart('a');
    const commands = kinds(sup.history('a')).filter((k) => k.startsWith('command'));
    expect(commands).toEqual(['command add ok', 'command disable ok', 'command enable ok', 'command update failed INVALID_ACCOUNT', 'command restart ok']);
    expect(kinds(sup.history('a'))).toContain('1: running → cancelling (CANCEL)');
  });

  it('is bounded: only the newest `size` entries are kept', async () => {
    const { sup } = await start({ history: { size: 4 } });
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    for (let i = 0; i < 5; i++) await sup.restart('a');
    const history = sup.history('a');
    expect(history).toHaveLength(4);
    expect(history.at(-1)).toMatchObject({ kind: 'command', command: 'restart' });
  });

  it('size 0 turns it off: nothing is recorded or saved', async () => {
    const store = memoryStore();
    const { sup } = await start({ store, history: { size: 0 } });
    await sup.add({ id: 'a' });
    await sup.restart('a');
    expect(sup.history('a')).toEqual([]);
    expect((await store.loadSupervision()).a?.history).toBeUndefined();
  });

  it('onEntry streams every entry history(id) keeps, in the same order, as it is recorded', async () => {
    const streamed: [string, HistoryEntry][] = [];
    const cw = controllableWorker();
    const { sup } = await start({ restart: { backoff: { minMs: 1, maxMs: 1, jitter: 'none' } }, history: { onEntry: (id, e) => streamed.push([id, e]) } }, cw);
    await sup.add({ id: 'a' });
    (await cw.nextInstance('a', 0)).reject(new Error('crash'));
    await cw.nextInstance('a', 1);
    await sup.waitFor('a', 'running');
    const kept = sup.history('a');
    expect(kinds(kept)).toContain('1: restart in 1 ms');
    expect(streamed.map(([id]) => id).every((id) => id === 'a')).toBe(true);
    expect(streamed.map(([, e]) => e)).toEqual(kept);
  });

  it('an onEntry that throws is logged and changes nothing else', async () => {
    const cw = controllableWorker();
    const { logger, lines } = memoryLogger();
    const { sup } = await start({ logger, history: { onEntry: () => { throw new Error('listener broke'); } } }, cw);
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    expect(kinds(sup.history('a'))).toEqual(['1: ∅ → loading (start)', '1: loading → running (LOADED)', 'command add ok']);
    expect(lines.some((l) => l.level === 50 && /history\.onEntry listener threw/.test(l.msg) && (l.err as { message?: string } | undefined)?.message === 'listener broke')).toBe(true);
  });

  it('rejects an unknown account and a bad option', async () => {
    const { sup } = await start();
    expect(() => sup.history('nope')).toThrow(AccountNotFoundError);
    await expect(start({ history: { size: -1 } })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(start({ history: { onEntry: 'log' as never } })).rejects.toMatchObject({ code: 'INVALID_OPTIONS', message: expect.stringContaining('history.onEntry must be a function') });
  });
});

describe('the newest entries survive a restart of the process', () => {
  async function suspendThenRestart(openStore: () => Promise<AccountStore>) {
    const cw = controllableWorker();
    const options = { restart: { backoff: { minMs: 1, maxMs: 1, jitter: 'none' as const }, intensity: { maxRestarts: 1, withinMs: 60_000 } }, history: { size: 50, persisted: 6 } };
    const first = await startSupervisor({ ...options, store: await openStore() }, cw);
    await first.sup.add({ id: 'a', credentials: SECRET });
    (await cw.nextInstance('a', 0)).reject(new Error('crash 1'));
    (await cw.nextInstance('a', 1)).reject(new Error('crash 2'));
    await first.sup.waitFor('a', 'suspended');
    await first.sup.disable('a');
    const before = first.sup.history('a');
    await first.sup.shutdown({ timeoutMs: 1_000 });

    const second = await start({ ...options, store: await openStore() }, controllableWorker());
    const after = second.sup.history('a');
    return { before, after };
  }

  function expectCarriedOver(before: HistoryEntry[], after: HistoryEntry[]) {
    // The newest 6 entries as saved with the last supervision write (the disable command's).
    expect(after).toEqual(before.slice(-6));
    expect(kinds(after)).toEqual(expect.arrayContaining(['2: suspended (intensity 1/1)', 'command disable ok']));
    expect(JSON.stringify(after)).not.toContain(SECRET);
  }

  it('with memoryStore', async () => {
    const store = memoryStore();
    const { before, after } = await suspendThenRestart(async () => store);
    expectCarriedOver(before, after);
  });

  it('with the lowdb file store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'statevisor-history-'));
    try {
      const { before, after } = await suspendThenRestart(() => lowdbStore({ file: join(dir, 'accounts.json'), logger: silent }));
      expectCarriedOver(before, after);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
