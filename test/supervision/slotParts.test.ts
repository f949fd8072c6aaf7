/**
 * The small parts the supervision runtime is built from, each against its documented contract:
 * an account slot's run transitions and the state it shows, the status built from it (only the
 * fields that apply), the per-account queue dropping empty queues, the shutdown tally, and the
 * supervision record written and read back. Their first mutation run showed these contracts held
 * only as far as the runtime happened to use them.
 */
import { describe, expect, it } from 'vitest';
import type { Account } from '../../src/account.js';
import { FlightRecorder } from '../../src/supervision/flightRecorder.js';
import { AccountSlot, type LiveTask } from '../../src/supervision/accountSlot.js';
import { KeyedQueue } from '../../src/supervision/keyedQueue.js';
import { DEFAULT_RESTART_POLICY } from '../../src/supervision/restartPolicy.js';
import { ShutdownTally } from '../../src/supervision/shutdownTally.js';
import { statusOf } from '../../src/supervision/statusOf.js';
import { recordOf, restoreSupervision } from '../../src/supervision/supervisionRecords.js';
import type { AccountTaskOutput } from '../../src/machines/accountTask.js';
import type { WorkerHandle } from '../../src/worker/workerHandle.js';

const account: Account = { id: 'a', enabled: true, settings: {} };
const slotOf = (a: Account = account) => new AccountSlot(a, DEFAULT_RESTART_POLICY);
/** A live task as far as a slot and a status read it: its state. */
const liveTask = (state: LiveTask['state']) => ({ state }) as LiveTask;

describe('AccountSlot', () => {
  it('stopped() leaves a suspended or removed account as it is, and idles every other run', () => {
    const suspended = slotOf();
    suspended.suspend({ at: 5, cause: 'intensity', error: { message: 'x' } });
    suspended.stopped();
    expect(suspended.run.kind).toBe('suspended');

    const removed = slotOf();
    removed.remove();
    removed.stopped();
    expect(removed.run.kind).toBe('removed');
    expect(removed.toJSON()).toEqual({ id: 'a', incarnation: 0, run: 'removed' });

    const backingOff = slotOf();
    backingOff.backingOff(1, 10);
    backingOff.stopped();
    expect(backingOff.run.kind).toBe('idle');
  });

  it('resetSupervision() idles a suspension only, and forgets the restart memory', () => {
    const live = slotOf();
    live.started(liveTask('running'));
    live.memory = { history: [1, 2], attempt: 2, previousDelayMs: 40 };
    live.resetSupervision();
    expect(live.run.kind).toBe('live');
    expect(live.memory).toEqual({ history: [], attempt: 0, previousDelayMs: 0 });

    const suspended = slotOf();
    suspended.suspend({ at: 5, cause: 'nonRetryable', error: { message: 'x' } });
    suspended.resetSupervision();
    expect(suspended.run.kind).toBe('idle');
  });

  it('shows a start waiting for a leaked worker as cancelling, and an admitting start as loading', () => {
    const waiting = slotOf();
    waiting.awaitingLeak();
    expect(waiting.state(false)).toBe('cancelling');
    const admitting = slotOf();
    admitting.admitting(new AbortController());
    expect(admitting.state(false)).toBe('loading');
  });
});

describe('statusOf', () => {
  it('sets only the fields that apply to the run (no keys holding undefined)', () => {
    const live = slotOf();
    live.incarnation = 1;
    live.started(liveTask('loading'));
    // A live task in `loading` is not waiting for admission; its status has no optional field.
    expect(statusOf(live, false, 7, undefined)).toStrictEqual({ id: 'a', enabled: true, state: 'loading', incarnation: 1, restarts: 0, since: 7 });

    const backoff = slotOf();
    backoff.backingOff(1, 99);
    backoff.lastError = { message: 'no code' };
    expect(statusOf(backoff, false, 7, undefined)).toStrictEqual({ id: 'a', enabled: true, state: 'backoff', incarnation: 0, restarts: 0, since: 7, lastError: { message: 'no code' }, nextRestartAt: 99 });

    const suspended = slotOf();
    suspended.suspend({ at: 5, cause: 'intensity', error: { message: 'x', code: 'E' } });
    suspended.report = { phase: 'gone' };
    expect(statusOf(suspended, false, 7, undefined)).toStrictEqual({ id: 'a', enabled: true, state: 'suspended', incarnation: 0, restarts: 0, since: 7, suspendedBecause: 'intensity', report: { phase: 'gone' } });

    const admitting = slotOf();
    admitting.admitting(new AbortController());
    expect(statusOf(admitting, false, 7, undefined)).toStrictEqual({ id: 'a', enabled: true, state: 'loading', incarnation: 0, restarts: 0, since: 7, waitingForAdmission: true });
  });

  it('a disabled account with a pending run shows neither its restart time nor a suspension cause', () => {
    const disabled = slotOf({ ...account, enabled: false });
    disabled.backingOff(1, 99);
    expect(statusOf(disabled, false, 7, undefined)).toStrictEqual({ id: 'a', enabled: false, state: 'disabled', incarnation: 0, restarts: 0, since: 7 });
    disabled.suspend({ at: 5, cause: 'intensity', error: { message: 'x' } });
    expect(statusOf(disabled, false, 7, undefined)).toStrictEqual({ id: 'a', enabled: false, state: 'disabled', incarnation: 0, restarts: 0, since: 7 });
    disabled.admitting(new AbortController());
    expect(statusOf(disabled, false, 7, undefined)).toStrictEqual({ id: 'a', enabled: false, state: 'disabled', incarnation: 0, restarts: 0, since: 7 });
  });
});

describe('KeyedQueue', () => {
  it('keeps a key while work is queued or running on it, and drops it once the last settles', async () => {
    const queue = new KeyedQueue();
    let releaseFirst!: () => void;
    const first = queue.run('a', () => new Promise<void>((resolve) => (releaseFirst = resolve)));
    const second = queue.run('a', () => 'second');
    expect(queue.size).toBe(1);
    await Promise.resolve();
    releaseFirst();
    await first;
    expect(queue.size).toBe(1); // the second has not settled yet
    expect(await second).toBe('second');
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.size).toBe(0);
    // A failed call settles its key too, and the next call on it still runs.
    await expect(queue.run('a', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await queue.run('a', () => 'after')).toBe('after');
    await new Promise((resolve) => setImmediate(resolve));
    expect(queue.size).toBe(0);
  });
});

describe('ShutdownTally', () => {
  const output = (o: Partial<AccountTaskOutput>): AccountTaskOutput => ({ accountId: 'a', incarnation: 1, reason: 'cancelled', forced: false, startedAt: 0, endedAt: 1, ...o });
  /** A leaked worker as the tally reads it: alive or not. */
  const handle = (alive: boolean) => ({ alive }) as WorkerHandle;

  it('counts a forced end as forced even once its worker settled, and a clean end whose jobs live on as forced too', () => {
    const tally = new ShutdownTally();
    tally.begin(100, []);
    tally.countEnd(output({ forced: true }), false);
    tally.countEnd(output({ forced: false }), true);
    tally.countEnd(output({ forced: false }), false);
    expect(tally.result(130)).toMatchObject({ forced: 2, cancelled: 1, durationMs: 30 });
  });

  it('adds the workers leaked before the shutdown that are still alive at its end, not those that settled', () => {
    const tally = new ShutdownTally();
    tally.begin(0, [handle(true), handle(false), handle(true)]);
    expect(tally.result(1).forced).toBe(2);
  });
});

describe('the supervision record', () => {
  it('keeps the restart window, count, suspension and last error, without stacks, and gives them back', () => {
    const slot = slotOf();
    slot.memory = { history: [10, 20], attempt: 2, previousDelayMs: 40 };
    slot.restarts = 3;
    slot.lastError = { message: 'last', code: 'E_LAST', stack: 'Error: last\n    at x' };
    slot.suspend({ at: 30, cause: 'intensity', error: { message: 'why', stack: 'Error: why' } });
    const record = recordOf(slot);
    expect(record).toStrictEqual({ restartHistory: [10, 20], restarts: 3, suspended: { at: 30, cause: 'intensity', error: { message: 'why' } }, lastError: { message: 'last', code: 'E_LAST' } });

    const restored = slotOf();
    restoreSupervision(restored, record);
    expect(restored.memory).toEqual({ history: [10, 20], attempt: 0, previousDelayMs: 0 });
    expect(restored.restarts).toBe(3);
    expect(restored.lastError).toEqual({ message: 'last', code: 'E_LAST' });
    expect(restored.run).toMatchObject({ kind: 'suspended', at: 30, cause: 'intensity' });
  });

  it('an account with nothing to remember writes neither a suspension nor a last error', () => {
    expect(recordOf(slotOf())).toStrictEqual({ restartHistory: [], restarts: 0 });
  });

  it('the flight recorder keeps nothing in the record with persisted: 0, and the newest entries otherwise', () => {
    const clock = { now: () => 1, setTimeout: () => 1, clearTimeout: () => undefined };
    const slot = slotOf();
    new FlightRecorder({ size: 10, persisted: 0 }, clock, noFailure).record(slot, { kind: 'finished', incarnation: 1, reason: 'completed' });
    expect(new FlightRecorder({ size: 10, persisted: 0 }, clock, noFailure).persisted(slot)).toBeUndefined();
    expect(new FlightRecorder({ size: 10, persisted: 5 }, clock, noFailure).persisted(slot)).toEqual([{ kind: 'finished', incarnation: 1, reason: 'completed', at: 1 }]);
  });

  it('a recorder turned off (size 0) restores nothing from a stored record', () => {
    const clock = { now: () => 1, setTimeout: () => 1, clearTimeout: () => undefined };
    const slot = slotOf();
    const off = new FlightRecorder({ size: 0, persisted: 0 }, clock, noFailure);
    off.restore(slot, [{ kind: 'finished', incarnation: 1, reason: 'completed', at: 1 }]);
    expect(slot.history).toBeUndefined();
    expect(off.entries(slot)).toEqual([]);
  });

  it('onEntry gets every entry as recorded, stamped and frozen, also with size 0 (which keeps none)', () => {
    const clock = { now: () => 7, setTimeout: () => 1, clearTimeout: () => undefined };
    const slot = slotOf();
    const seen: [string, unknown][] = [];
    const streaming = new FlightRecorder({ size: 0, persisted: 0, onEntry: (id, e) => seen.push([id, e]) }, clock, noFailure);
    expect(streaming.enabled).toBe(true);
    streaming.record(slot, { kind: 'finished', incarnation: 2, reason: 'failed' });
    expect(seen).toEqual([[slot.id, { kind: 'finished', incarnation: 2, reason: 'failed', at: 7 }]]);
    expect(Object.isFrozen(seen[0]![1])).toBe(true);
    expect(slot.history).toBeUndefined();
    expect(streaming.entries(slot)).toEqual([]);
    expect(new FlightRecorder({ size: 0, persisted: 0 }, clock, noFailure).enabled).toBe(false);
  });

  it('an onEntry that throws is reported, and the entry is still kept', () => {
    const clock = { now: () => 3, setTimeout: () => 1, clearTimeout: () => undefined };
    const slot = slotOf();
    const failures: unknown[] = [];
    const boom = new Error('listener broke');
    const recorder = new FlightRecorder({ size: 5, persisted: 0, onEntry: () => { throw boom; } }, clock, (err) => failures.push(err));
    expect(() => recorder.record(slot, { kind: 'finished', incarnation: 1, reason: 'completed' })).not.toThrow();
    expect(failures).toEqual([boom]);
    expect(recorder.entries(slot)).toEqual([{ kind: 'finished', incarnation: 1, reason: 'completed', at: 3 }]);
  });
});

function noFailure(err: unknown): never {
  throw new Error(`unexpected onEntry failure: ${String(err)}`);
}
