/**
 * The account task's parts that neither its paths nor its output show: the name its delayed
 * events carry (inspection and `statevisor machines` read it), one clock ref shared by every task
 * of a clock (a ref per task costs memory at 100,000 tasks).
 */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock, waitFor, type InspectionEvent } from 'xstate';
import { WorkerHandle } from '../../src/worker/workerHandle.js';
import { accountTaskMachine } from '../../src/machines/accountTask.js';
import { controllableWorker } from '../../src/testing/index.js';
import { testJobs } from '../helpers/jobs.js';

const log = pino({ level: 'silent' });

function handle(load: () => Promise<never>): WorkerHandle {
  return new WorkerHandle({ accountId: 'acct', incarnation: 1, log: () => log, logicFor: () => controllableWorker().worker, load, report: () => {}, jobs: testJobs(), cancelTimeoutMs: 40 });
}

describe('accountTask', () => {
  it('names its delayed events after the machine id `accountTask`, as inspection sees them', async () => {
    const seen: string[] = [];
    const inspect = (e: InspectionEvent) => {
      if (e.type === '@xstate.event') seen.push(e.event.type);
    };
    const actor = createActor(accountTaskMachine, { input: { worker: handle(() => new Promise(() => {})), loadTimeoutMs: 1, cancelTimeoutMs: 40 }, inspect }).start();
    await waitFor(actor, (s) => s.status === 'done', { timeout: 1_000 });
    expect(seen).toContain('xstate.after.loadTimeout.accountTask.loading');
  });

  it('gives every task of one clock the same clock ref, and a task of another clock its own', () => {
    const clock = new SimulatedClock();
    const start = (c: SimulatedClock) => createActor(accountTaskMachine, { input: { worker: handle(() => new Promise(() => {})), loadTimeoutMs: 1_000, cancelTimeoutMs: 40, clock: c }, clock: c }).start();
    const a = start(clock);
    const b = start(clock);
    const other = new SimulatedClock();
    const c = start(other);
    expect(a.getSnapshot().context.clock).toBe(b.getSnapshot().context.clock);
    expect(c.getSnapshot().context.clock).not.toBe(a.getSnapshot().context.clock);
    expect(c.getSnapshot().context.clock.current).toBe(other);
    for (const actor of [a, b, c]) actor.stop();
  });
});
