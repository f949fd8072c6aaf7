/**
 * What a command leaves in the flight recorder and the store, and a task whose stored account
 * vanished, where the second mutation run of the runtime found nothing watching.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { memoryStore, type AccountStore, type SupervisionRecord, type Supervisor } from '../../src/index.js';
import { controllableWorker } from '../../src/testing/index.js';
import { startSupervisor } from '../helpers/supervisor.js';

const running: Supervisor[] = [];
afterEach(async () => {
  for (const sup of running.splice(0)) await sup.shutdown({ timeoutMs: 1_000 });
});

/** A memory store that counts supervision writes per account. */
function countingStore(): { store: AccountStore; saves: (id: string) => number } {
  const inner = memoryStore();
  const counts = new Map<string, number>();
  const store: AccountStore = Object.assign(Object.create(inner) as AccountStore, {
    saveSupervision: (id: string, record: SupervisionRecord | undefined) => {
      counts.set(id, (counts.get(id) ?? 0) + 1);
      return inner.saveSupervision(id, record);
    },
  });
  return { store, saves: (id) => counts.get(id) ?? 0 };
}

describe('a command in the flight recorder and the store', () => {
  it('an accepted command is recorded without an error and saved; a refused one is recorded with its error and not saved', async () => {
    const { store, saves } = countingStore();
    const { sup } = await startSupervisor({ store }, controllableWorker());
    running.push(sup);
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    const added = sup.history('a').find((e) => e.kind === 'command');
    expect(added).toMatchObject({ command: 'add', outcome: 'ok' });
    expect(Object.keys(added!)).not.toContain('error');
    const before = saves('a');
    await expect(sup.update('a', { enabled: 'yes' } as never)).rejects.toMatchObject({ code: 'INVALID_ACCOUNT' });
    expect(sup.history('a').at(-1)).toMatchObject({ kind: 'command', command: 'update', outcome: 'failed', error: { code: 'INVALID_ACCOUNT' } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(saves('a')).toBe(before);
  });
});

describe('a task whose account vanished from the store', () => {
  it('fails its load with ACCOUNT_NOT_FOUND', async () => {
    const store = memoryStore();
    const cw = controllableWorker();
    const { sup } = await startSupervisor({ store }, cw);
    running.push(sup);
    await sup.add({ id: 'a' });
    await sup.waitFor('a', 'running');
    await store.delete('a'); // behind the supervisor's back
    await sup.restart('a').catch(() => undefined);
    const status = await sup.waitFor('a', (s) => s.lastError !== undefined);
    expect(status.lastError).toMatchObject({ code: 'ACCOUNT_NOT_FOUND' });
    expect(cw.instances('a')).toHaveLength(1);
  });
});
