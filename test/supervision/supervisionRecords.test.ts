import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { memoryStore, type AccountStore, type SupervisionRecord } from '../../src/index.js';
import { AccountSlot } from '../../src/supervision/accountSlot.js';
import { DEFAULT_RESTART_POLICY } from '../../src/supervision/restartPolicy.js';
import { StoreHandle } from '../../src/supervision/storeHandle.js';
import { SupervisionRecords } from '../../src/supervision/supervisionRecords.js';

/*
 * Supervision records are saved in the background: a decision never waits for the disk, a failed
 * write (rejected, or thrown by a store that throws instead of rejecting) is logged and never
 * becomes an unhandled rejection, and flush() waits for every write started so far.
 */

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

async function handleOf(store: AccountStore): Promise<StoreHandle> {
  const handle = new StoreHandle(() => Promise.resolve(store));
  await handle.open();
  return handle;
}

const slot = (id: string) => new AccountSlot({ id, enabled: true, settings: {} }, DEFAULT_RESTART_POLICY);

describe('SupervisionRecords', () => {
  it('writes the record of the slot as it is when saved, and flush() waits for a slow write', async () => {
    const inner = memoryStore();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const written: string[] = [];
    const store: AccountStore = {
      ...inner,
      saveSupervision: async (id, record) => {
        await gate;
        written.push(id);
        return inner.saveSupervision(id, record);
      },
    };
    const { log } = capture();
    const records = new SupervisionRecords(await handleOf(store), log, () => undefined);
    const s = slot('a');
    s.restarts = 3;
    records.save(s);
    s.restarts = 4; // after the save: not in the record being written
    let flushed = false;
    const flushing = records.flush().then(() => (flushed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushed).toBe(false);
    release();
    await flushing;
    expect(written).toEqual(['a']);
    const saved: Record<string, SupervisionRecord> = await inner.loadSupervision();
    expect(saved.a?.restarts).toBe(3);
  });

  it('logs a rejected write and a store that throws, with the account, and never rejects', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const inner = memoryStore();
      const store: AccountStore = {
        ...inner,
        saveSupervision: (id) => {
          if (id === 'throws') throw new Error('disk said no, synchronously');
          return Promise.reject(new Error('disk said no'));
        },
      };
      const { log, lines } = capture();
      const records = new SupervisionRecords(await handleOf(store), log, () => undefined);
      expect(() => records.save(slot('rejects'))).not.toThrow();
      expect(() => records.save(slot('throws'))).not.toThrow();
      await records.flush();
      await new Promise((resolve) => setImmediate(resolve));
      const errors = lines.filter((l) => l.level === 50);
      expect(errors.map((l) => l.accountId).sort()).toEqual(['rejects', 'throws']);
      expect(errors.every((l) => /saving supervision state failed; it will be saved with the next change/.test(String(l.msg)))).toBe(true);
      expect(unhandled).toEqual([]);
      // Nothing is left pending: a second flush resolves at once.
      await expect(records.flush()).resolves.toBeUndefined();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
