/**
 * What the supervisor writes to its log about each supervision decision: the line an operator
 * reads (restart scheduled, next incarnation, suspension with its cause and what to do, no
 * restart, escalation, a restart decision that threw), with its structured fields, read back
 * from a real pino logger writing to memory.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSupervisor, memoryStore, type Supervisor, type SupervisorOptions } from '../../src/index.js';
import { controllableWorker } from '../../src/testing/index.js';
import { memoryLogger } from '../helpers/memoryLogger.js';
import { FAST } from '../helpers/supervisor.js';


let current: Supervisor | undefined;
afterEach(async () => {
  await current?.shutdown({ timeoutMs: 1_000 });
  current = undefined;
});

async function start(options: Partial<SupervisorOptions>) {
  const { logger, lines } = memoryLogger();
  const cw = controllableWorker();
  const sup = createSupervisor({ store: memoryStore(), ...FAST, worker: cw.worker, ...options, logger });
  current = sup;
  await sup.start();
  return { sup, cw, lines, supervisorLines: () => lines.filter((l) => l.component === 'supervisor') };
}

describe('supervisor log lines', () => {
  it('a failure: "restart in N ms" with the delay and attempt, then "starting incarnation 2"', async () => {
    const { sup, cw, supervisorLines } = await start({ restart: { backoff: { minMs: 7, maxMs: 7, factor: 2, jitter: 'none' } } });
    await sup.add({ id: 'a' });
    (await cw.nextInstance('a', 0)).reject(new Error('session died'));
    await cw.nextInstance('a', 1);
    expect(supervisorLines()).toEqual([
      expect.objectContaining({ level: 30, accountId: 'a', delayMs: 7, attempt: 0, msg: 'account a: restart in 7 ms' }),
      expect.objectContaining({ level: 30, accountId: 'a', incarnation: 2, msg: 'account a: starting incarnation 2' }),
    ]);
  });

  it('a non-retryable failure: a warning with the cause, the error and how to resume', async () => {
    const { sup, cw, supervisorLines } = await start({});
    await sup.add({ id: 'a' });
    (await cw.nextInstance('a', 0)).reject(Object.assign(new TypeError('token for api.example.com revoked.'), { code: 'AUTH', retryable: false }));
    await sup.waitFor('a', 'suspended');
    expect(supervisorLines()).toEqual([
      expect.objectContaining({
        level: 40,
        accountId: 'a',
        cause: 'nonRetryable',
        err: { type: 'TypeError', message: 'token for api.example.com revoked.', code: 'AUTH' },
        msg: 'account a suspended: it failed with a non-retryable error (token for api.example.com revoked). Once the cause is fixed, resume it with `statevisor accounts restart a`.',
      }),
    ]);
  });

  it('too many restarts: the warning names the limit and the window', async () => {
    const { sup, cw, supervisorLines } = await start({ restart: { ...FAST.restart, intensity: { maxRestarts: 1, withinMs: 60_000 } } });
    await sup.add({ id: 'a' });
    (await cw.nextInstance('a', 0)).reject(new Error('boom'));
    (await cw.nextInstance('a', 1)).reject(new Error('boom again'));
    await sup.waitFor('a', 'suspended');
    const warning = supervisorLines().find((l) => l.level === 40);
    expect(warning?.err).toEqual({ type: 'Error', message: 'boom again' });
    expect(warning).toMatchObject({
      accountId: 'a',
      cause: 'intensity',
      msg: 'account a suspended: it needed more than 1 restarts within 60000 ms (boom again). Once the cause is fixed, resume it with `statevisor accounts restart a`.',
    });
  });

  it('an end with no restart: a debug line with the account and incarnation', async () => {
    const { sup, cw, supervisorLines } = await start({ restart: { type: 'temporary' } });
    await sup.add({ id: 'a' });
    (await cw.nextInstance('a', 0)).resolve();
    await vi.waitFor(() => expect(supervisorLines()).toHaveLength(1), { timeout: 1_000 });
    expect(supervisorLines()).toEqual([expect.objectContaining({ level: 20, accountId: 'a', incarnation: 1, msg: 'account a: ended, no restart' })]);
  });

  it('an escalation: a fatal line with the escalation error message and the failure', async () => {
    const { sup, cw, supervisorLines } = await start({ restart: { ...FAST.restart, intensity: { maxRestarts: 0, withinMs: 60_000 }, onIntensityExceeded: 'escalate' } });
    await sup.add({ id: 'a' });
    (await cw.nextInstance('a', 0)).reject(Object.assign(new Error('boom'), { code: 'E1' }));
    const stats = await sup.done;
    current = undefined;
    const fatal = supervisorLines().find((l) => l.level === 60);
    expect(fatal).toMatchObject({ accountId: 'a', err: { message: 'boom', code: 'E1' }, msg: stats.error!.message });
    expect(stats.error!.message).toContain('Account "a" needed more than 0 restarts within 60000 ms');
  });

  it('a restart decision that throws (a user `random`): an error line; the account stays as it ended', async () => {
    const { sup, cw, supervisorLines } = await start({
      restart: { backoff: { minMs: 5, maxMs: 50, factor: 2, jitter: 'full' } },
      random: () => {
        throw new Error('no entropy');
      },
    });
    await sup.add({ id: 'a' });
    (await cw.nextInstance('a', 0)).reject(new Error('boom'));
    await vi.waitFor(() => expect(supervisorLines()).toHaveLength(2), { timeout: 1_000 });
    expect(supervisorLines()).toEqual([
      expect.objectContaining({ level: 50, accountId: 'a', err: expect.objectContaining({ message: 'no entropy' }), msg: 'account a: the restart decision failed' }),
      expect.objectContaining({ level: 20, accountId: 'a', incarnation: 1, msg: 'account a: ended, no restart' }),
    ]);
    expect(sup.status('a')).toMatchObject({ state: 'failed', incarnation: 1 });
  });
});

describe('a supervision record the store refuses', () => {
  it('is logged with the account and "saved with the next change", and the next change saves it', async () => {
    const inner = memoryStore();
    let refuse = true;
    const store = {
      ...inner,
      saveSupervision: async (id: string, record: Parameters<typeof inner.saveSupervision>[1]) => {
        if (refuse) throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
        return inner.saveSupervision(id, record);
      },
    };
    const { sup, cw, supervisorLines } = await start({ store, restart: { backoff: { minMs: 5, maxMs: 5, factor: 1, jitter: 'none' } } });
    await sup.add({ id: 'a' });
    (await cw.nextInstance('a', 0)).reject(new Error('boom'));
    await vi.waitFor(() => expect(supervisorLines().filter((l) => l.level === 50)).not.toEqual([]), { timeout: 1_000 });
    expect(supervisorLines().find((l) => l.level === 50)).toMatchObject({
      accountId: 'a',
      err: expect.objectContaining({ message: 'disk full', code: 'ENOSPC' }),
      msg: 'account a: saving supervision state failed; it will be saved with the next change',
    });
    expect(await inner.loadSupervision()).toEqual({});
    refuse = false;
    (await cw.nextInstance('a', 1)).reject(new Error('boom again'));
    await vi.waitFor(async () => expect((await inner.loadSupervision()).a).toMatchObject({ restarts: 2 }), { timeout: 1_000 });
  });
});
