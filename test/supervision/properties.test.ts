/**
 * Property-based test of the supervisor over random command sequences (fast-check).
 *
 * Invariants:
 * 1. never two live workers of one account (the controllable worker counts them at every instant);
 * 2. every acknowledged or refused command matches a model that applies commands per account in
 *    the order they were issued, and `list()` agrees with that model;
 * 3. shutdown resolves within its timeout plus 100 ms;
 * 4. after shutdown every worker has settled or is counted in `forced`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSupervisor, memoryStore } from '../../src/index.js';
import { controllableWorker } from '../../src/testing/index.js';
import { aliveInstance, applyToModel, IDS, runCommand, SHUTDOWN_TIMEOUT_MS, stepArb, type Id, type Step } from '../helpers/commandSteps.js';
import { delay, silent } from '../helpers/supervisor.js';

/** Runs one sequence and asserts the invariants; exported so shrunk counterexamples can be kept as regressions. */
export async function runSequence(steps: Step[], seed = 1): Promise<void> {
  const cw = controllableWorker();
  let rand = seed;
  const random = () => ((rand = (rand * 16807) % 2147483647) / 2147483647);
  const sup = createSupervisor({
    worker: cw.worker,
    store: memoryStore(),
    logger: silent,
    random,
    cancelTimeoutMs: 20,
    restart: { backoff: { minMs: 1, maxMs: 4, jitter: 'full' } },
  });
  await sup.start();
  const model = new Map<Id, boolean>();
  let pending: Promise<void>[] = [];
  let shutDown = false;
  const settlePending = async () => {
    await Promise.all(pending);
    pending = [];
  };
  try {
    for (const step of steps) {
      if (step.kind === 'shutdown') break;
      if (step.kind === 'wait') {
        await settlePending();
        await delay(step.ms);
      } else if (step.kind === 'resolve') aliveInstance(cw, step.id)?.resolve();
      else if (step.kind === 'reject') aliveInstance(cw, step.id)?.reject(Object.assign(new Error('boom'), { retryable: step.retryable }));
      else if (step.kind === 'ignoreAbort') {
        const i = aliveInstance(cw, step.id);
        if (i) i.ignoreAbort = true;
      } else if (step.kind === 'settleLeaked') cw.instances(step.id).filter((i) => i.signal.aborted).forEach((i) => i.resolve());
      else if ('concurrent' in step) {
        const expected = applyToModel(model, step);
        const call = runCommand(sup, step, Date.now()).then(
          () => expect(expected, `${step.kind} ${step.id} succeeded`).toBe(true),
          (e: { code?: string }) => expect(expected, `${step.kind} ${step.id} failed with ${e.code}`).toBe(false),
        );
        if (step.concurrent) pending.push(call);
        else await call;
      }
      for (const id of IDS) expect(cw.maxAlive(id), `two live workers of ${id}`).toBeLessThanOrEqual(1);
    }
    await settlePending();
    const listed = new Map(sup.list().map((s) => [s.id, s.enabled]));
    expect(listed).toEqual(model);

    shutDown = true;
    const started = Date.now();
    const stats = await sup.shutdown({ timeoutMs: SHUTDOWN_TIMEOUT_MS });
    expect(Date.now() - started).toBeLessThanOrEqual(SHUTDOWN_TIMEOUT_MS + 100);
    expect(cw.totalAlive()).toBeLessThanOrEqual(stats.forced);
    await expect(sup.add({ id: 'z' })).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
    for (const id of IDS) expect(cw.maxAlive(id), `two live workers of ${id}`).toBeLessThanOrEqual(1);
  } finally {
    cw.instances().forEach((i) => i.resolve());
    if (!shutDown) await sup.shutdown({ timeoutMs: SHUTDOWN_TIMEOUT_MS });
  }
}


describe('regressions found by the property (shrunk counterexamples)', () => {
  it('an add queued behind a remove of the same id applies after it (not refused as a duplicate)', async () => {
    await runSequence([
      { kind: 'add', id: 'a', enabled: true, concurrent: false },
      { kind: 'remove', id: 'a', concurrent: true },
      { kind: 'add', id: 'a', enabled: false, concurrent: false },
    ]);
  });

  it('a leaked worker, then remove and re-add while commands are queued', async () => {
    await runSequence([
      { kind: 'update', id: 'a', concurrent: true },
      { kind: 'add', id: 'a', enabled: false, concurrent: false },
      { kind: 'enable', id: 'a', concurrent: false },
      { kind: 'wait', ms: 13 },
      { kind: 'add', id: 'a', enabled: true, concurrent: true },
      { kind: 'ignoreAbort', id: 'a' },
      { kind: 'remove', id: 'a', concurrent: true },
      { kind: 'add', id: 'a', enabled: false, concurrent: false },
      { kind: 'add', id: 'a', enabled: false, concurrent: false },
    ]);
  });
});

describe('supervisor properties over random command sequences', () => {
  it('hold for 200 runs of up to 50 steps over 1–5 accounts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }).chain((n) => fc.array(stepArb(n, 15), { maxLength: 50 })),
        fc.integer({ min: 1, max: 2_000_000_000 }),
        (steps, seed) => runSequence(steps, seed),
      ),
      { numRuns: 200 },
    );
  }, 300_000);
});
