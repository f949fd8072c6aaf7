/**
 * Promises that mutation testing showed no other test would notice breaking: a worker that
 * ignores cancellation is reported as forced by the task machine's own output, and a shutdown
 * leaves no account in backoff and no restart timer behind.
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createSupervisor } from '../../src/createSupervisor.js';
import { memoryStore } from '../../src/persistence/memoryStore.js';
import type { AccountTaskOutput } from '../../src/machines/accountTask.js';

const silent = pino({ level: 'silent' });

/** Collects the output of every task actor that reached its final state, from inspection events. */
function taskOutputs() {
  const outputs: AccountTaskOutput[] = [];
  const inspect = (event: InspectionEvent) => {
    if (event.type !== '@xstate.snapshot') return;
    const snapshot = event.snapshot as { status?: string; output?: unknown };
    const output = snapshot.output as Partial<AccountTaskOutput> | undefined;
    if (snapshot.status === 'done' && output && typeof output.accountId === 'string' && 'forced' in output) outputs.push(output as AccountTaskOutput);
  };
  return { outputs, inspect };
}

describe('a worker that ignores cancellation', () => {
  it('ends its task with forced: true in the machine output; a cooperative one with forced: false', async () => {
    const { outputs, inspect } = taskOutputs();
    const supervisor = createSupervisor({
      store: memoryStore(),
      logger: silent,
      inspect,
      cancelTimeoutMs: 50,
      // The stubborn worker never looks at its signal; the polite one settles on abort.
      workerFor: (account) =>
        account.id === 'stubborn'
          ? () => new Promise<void>((resolve) => setTimeout(resolve, 400))
          : ({ signal }) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
    });
    await supervisor.start();
    await supervisor.add({ id: 'stubborn' });
    await supervisor.add({ id: 'polite' });
    await supervisor.waitFor('stubborn', 'running');
    await supervisor.waitFor('polite', 'running');
    await supervisor.disable('stubborn');
    await supervisor.disable('polite');
    const stubborn = outputs.find((o) => o.accountId === 'stubborn');
    const polite = outputs.find((o) => o.accountId === 'polite');
    expect(stubborn).toMatchObject({ reason: 'cancelled', forced: true });
    expect(polite).toMatchObject({ reason: 'cancelled', forced: false });
    await supervisor.shutdown({ timeoutMs: 2_000 });
  });
});

describe('shutdown with restarts pending', () => {
  it('leaves no account in backoff, no nextRestartAt, and no timer holding the process open', async () => {
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    let starts = 0;
    const supervisor = createSupervisor({
      store: memoryStore(),
      logger: silent,
      // A long backoff: if shutdown forgot the pending restart, its timer would outlive it.
      restart: { backoff: { minMs: 60_000, maxMs: 60_000, jitter: 'none' } },
      worker: async () => {
        starts += 1;
        throw new Error('crash');
      },
    });
    await supervisor.start();
    for (const id of ['a', 'b', 'c']) await supervisor.add({ id });
    for (const id of ['a', 'b', 'c']) await supervisor.waitFor(id, 'backoff');
    expect(supervisor.list().every((s) => s.nextRestartAt !== undefined)).toBe(true);
    await supervisor.shutdown({ timeoutMs: 2_000 });
    for (const status of supervisor.list()) {
      expect(status.state, status.id).not.toBe('backoff');
      expect(status.nextRestartAt, status.id).toBeUndefined();
    }
    // No restart timer left: the count of live timers is back where it was (vitest's own are
    // counted in both readings), and no task started again.
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(timersAfter).toBeLessThanOrEqual(timersBefore);
    expect(starts).toBe(3);
  });
});
