/**
 * Seeded runs on the simulation harness, shared by the tests and `npm run replay`: one integer
 * seed decides everything (the command sequence, the faults, the backoff jitter), so a failing
 * run replays exactly with `npm run replay -- --seed N --suite <name>`.
 *
 * - `commands`: the supervisor's command-sequence property (ported from
 *   test/supervision/properties.test.ts) on a virtual clock, with one more invariant that only a
 *   virtual clock can check exactly: after shutdown no timer of the supervisor is left pending.
 * - `soak`: the soak (soak/soak.ts) on the simulated platform: a fleet under random outages,
 *   crashes and operator commands for a simulated hour.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pino } from 'pino';
import { createSupervisor, memoryStore } from '../../src/index.js';
import { createFleetSimulation } from '../../src/simulation/fleetSimulation.js';
import { randomStream } from '../../src/simulation/random.js';
import { runUntilSettled } from '../../src/simulation/drive.js';
import { TraceHash } from '../../src/simulation/traceHash.js';
import { VirtualClock } from '../../src/simulation/virtualClock.js';
import { controllableWorker } from '../../src/testing/index.js';
import { aliveInstance, applyToModel, IDS, runCommand, SHUTDOWN_TIMEOUT_MS, stepArb, type Id, type Step } from '../helpers/commandSteps.js';
import type { InspectionEvent } from 'xstate';

/** What a seeded run returns when every invariant held. */
export interface RunResult {
  seed: number;
  trace: string;
  detail: string;
}

/** A seeded run failed: the message says how to replay it. */
export class SeededRunError extends Error {
  constructor(suite: string, seed: number, cause: unknown) {
    super(`${suite} run with seed ${seed} failed; replay it exactly with: npm run replay -- --seed ${seed} --suite ${suite}\n${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

const silent = pino({ level: 'silent' });

// ── commands ────────────────────────────────────────────────────────────────────────────────

// Virtual milliseconds: waits up to 60 ms reach backoffs, cancel deadlines and leaks.
const sequenceArb = fc.integer({ min: 1, max: 5 }).chain((n) => fc.array(stepArb(n, 60), { maxLength: 50, size: 'max' }));

/** The command sequence a seed stands for (fast-check's generator, seeded). */
export function stepsFor(seed: number): Step[] {
  return fc.sample(sequenceArb, { seed, numRuns: 1 })[0]!;
}


/** Hashes every microstep of the root and of every task, with its virtual time. */
function tracer(clock: VirtualClock, trace: TraceHash) {
  return (event: InspectionEvent) => {
    if (event.type !== '@xstate.microstep') return;
    const snapshot = event.snapshot as unknown as { value: unknown; context: { accountId?: string; incarnation?: number } };
    const e = event.event as { type: string; accountId?: string; delayMs?: number; cause?: string };
    trace.add(clock.now(), snapshot.context.accountId ?? 'root', snapshot.context.incarnation, e.type, e.accountId, e.delayMs, e.cause, JSON.stringify(snapshot.value));
  };
}

/**
 * Runs the command sequence of `seed` on a virtual clock and checks, at every step and at the end:
 * never two live workers of one account; every command's success matches the per-account model
 * and `list()` agrees with it; shutdown resolves within its deadline (exactly, in virtual time);
 * every worker still alive after it is counted in `forced`; and once the leaked workers settle,
 * no timer is left pending.
 */
export async function runCommandSequence(seed: number, steps: Step[] = stepsFor(seed)): Promise<RunResult> {
  const clock = new VirtualClock();
  const trace = new TraceHash();
  const cw = controllableWorker();
  const sup = createSupervisor({
    worker: cw.worker,
    store: memoryStore(),
    logger: silent,
    clock,
    random: randomStream(seed, 'jitter'),
    inspect: tracer(clock, trace),
    cancelTimeoutMs: 20,
    restart: { backoff: { minMs: 1, maxMs: 4, jitter: 'full' } },
  });
  const settle = <T>(p: Promise<T>, what: string) => runUntilSettled(clock, p, what);
  await settle(sup.start(), 'start');
  const model = new Map<Id, boolean>();
  let pending: Promise<void>[] = [];
  const settlePending = async () => {
    await settle(Promise.all(pending), 'concurrent commands');
    pending = [];
  };
  let shutDown = false;
  try {
    for (const [n, step] of steps.entries()) {
      trace.add(clock.now(), 'command', n, JSON.stringify(step));
      if (step.kind === 'shutdown') break;
      if (step.kind === 'wait') {
        await settlePending();
        await clock.advance(step.ms);
      } else if (step.kind === 'resolve') aliveInstance(cw, step.id)?.resolve();
      else if (step.kind === 'reject') aliveInstance(cw, step.id)?.reject(Object.assign(new Error('boom'), { retryable: step.retryable }));
      else if (step.kind === 'ignoreAbort') {
        const i = aliveInstance(cw, step.id);
        if (i) i.ignoreAbort = true;
      } else if (step.kind === 'settleLeaked') cw.instances(step.id).filter((i) => i.signal.aborted).forEach((i) => i.resolve());
      else if ('concurrent' in step) {
        const expected = applyToModel(model, step);
        const call = runCommand(sup, step, clock.now()).then(
          () => assert.equal(expected, true, `step ${n}: ${step.kind} ${step.id} succeeded, the model says it fails`),
          (e: { code?: string }) => assert.equal(expected, false, `step ${n}: ${step.kind} ${step.id} failed with ${e.code}, the model says it succeeds`),
        );
        if (step.concurrent) pending.push(call);
        else await settle(call, `${step.kind} ${step.id}`);
      }
      for (const id of IDS) assert.ok(cw.maxAlive(id) <= 1, `step ${n}: two live workers of ${id}`);
    }
    await settlePending();
    assert.deepEqual(new Map(sup.list().map((s) => [s.id, s.enabled])), model, 'list() disagrees with the model');

    shutDown = true;
    const started = clock.now();
    const stats = await settle(sup.shutdown({ timeoutMs: SHUTDOWN_TIMEOUT_MS }), 'shutdown');
    assert.ok(clock.now() - started <= SHUTDOWN_TIMEOUT_MS, `shutdown took ${clock.now() - started} virtual ms, over its ${SHUTDOWN_TIMEOUT_MS} ms deadline`);
    assert.ok(cw.totalAlive() <= stats.forced, `${cw.totalAlive()} workers alive after shutdown, only ${stats.forced} counted as forced`);
    await assert.rejects(sup.add({ id: 'z' }), (e: { code?: string }) => e.code === 'SHUTTING_DOWN');
    for (const id of IDS) assert.ok(cw.maxAlive(id) <= 1, `two live workers of ${id}`);
    cw.instances().forEach((i) => i.resolve());
    await clock.advance(0);
    assert.equal(clock.pending, 0, `${clock.pending} timers still pending after shutdown and every worker settled`);
    return { seed, trace: trace.digest(), detail: `${steps.length} steps, ${trace.steps} hashed, shutdown forced ${stats.forced}` };
  } finally {
    cw.instances().forEach((i) => i.resolve());
    if (!shutDown) await settle(sup.shutdown({ timeoutMs: SHUTDOWN_TIMEOUT_MS }), 'shutdown').catch(() => undefined);
  }
}

// ── soak ────────────────────────────────────────────────────────────────────────────────────

const SOAK_FAULTS = ['drop', 'update', 'restart', 'toggle', 'remove+add'] as const;
const RACE_CODES = new Set(['ACCOUNT_NOT_FOUND', 'ACCOUNT_EXISTS', 'ACCOUNT_DISABLED']);

/**
 * The soak on the harness: `accounts` accounts for `minutes` simulated minutes under random
 * outages (some accounts each), dropped sessions and operator commands (update, restart,
 * disable+enable, remove+add) every 2 seconds on average; then 10 quiet minutes. Checks: never two
 * workers of one account at once; every account connected at the end; shutdown forced nothing;
 * afterwards no worker alive and no timer pending.
 */
export async function runFleetSoak(seed: number, options: { accounts?: number; minutes?: number } = {}): Promise<RunResult> {
  const accounts = options.accounts ?? 200;
  const minutes = options.minutes ?? 60;
  const faultMs = minutes * 60_000;
  const durationMs = faultMs + 10 * 60_000;
  const pick = randomStream(seed, 'soak');
  const outages = Array.from({ length: 4 }, () => ({ atMs: Math.floor(pick() * (faultMs - 120_000)), durationMs: 10_000 + Math.floor(pick() * 110_000), share: 0.2 + 0.8 * pick() }));
  const sim = createFleetSimulation({
    seed,
    accounts,
    durationMs,
    policy: { backoff: { minMs: 50, maxMs: 10_000 }, intensity: { maxRestarts: 1_000, withinMs: 60_000 } },
    // Crashes are injected as 'drop' faults, so that the 10 quiet minutes at the end are quiet.
    platform: { outages, connectLatency: { medianMs: 200, p99Ms: 2_000 } },
    cancelTimeoutMs: 2_000,
  });
  const { supervisor: sup, clock, platform, recorder } = sim;
  await sim.settle(sup.start(), 'start');
  const counts: Record<string, number> = Object.fromEntries(SOAK_FAULTS.map((f) => [f, 0]));
  const pending = new Set<Promise<unknown>>();
  const unexpected: string[] = [];
  while (clock.now() < faultMs) {
    await clock.advance(Math.floor(pick() * 4_000));
    const fault = SOAK_FAULTS[Math.floor(pick() * SOAK_FAULTS.length)]!;
    const id = sim.accountIds[Math.floor(pick() * sim.accountIds.length)]!;
    counts[fault]! += 1;
    recorder.command(fault, id);
    if (fault === 'drop') {
      platform.drop(id);
      continue;
    }
    const run = (async () => {
      if (fault === 'update') await sup.update(id, { settings: { at: clock.now() } });
      else if (fault === 'restart') await sup.restart(id);
      else if (fault === 'toggle') {
        await sup.disable(id);
        await sup.enable(id);
      } else {
        await sup.remove(id);
        await sup.add({ id });
      }
    })().catch((err: { code?: string; message?: string }) => {
      // Commands on one account race each other (a restart between a disable and its enable, an
      // update between a remove and its add): those refusals are correct; anything else is not.
      if (!RACE_CODES.has(err.code ?? '')) unexpected.push(`${fault} ${id}: ${err.code ?? ''} ${err.message ?? ''}`);
    });
    pending.add(run);
    void run.finally(() => pending.delete(run));
  }
  await sim.settle(Promise.all(pending), 'the last commands');
  assert.deepEqual(unexpected, [], 'commands that failed for a reason other than a concurrent command on the same account');
  await clock.runUntil(durationMs);
  const doubled = platform.doubled().map((i) => sim.accountIds[i]);
  assert.deepEqual(doubled, [], 'accounts that had two workers at once');
  const down = sup.list().filter((s) => s.state !== 'running');
  assert.equal(sup.list().length, accounts, 'every account is still there');
  assert.deepEqual(down.map((s) => `${s.id}:${s.state}`), [], 'accounts not running after 10 quiet minutes');
  assert.equal(platform.connected, accounts, 'every account connected on the platform');
  const stats = await sim.settle(sup.shutdown(), 'shutdown');
  assert.equal(stats.forced, 0, 'shutdown forced nothing');
  await clock.advance(0);
  assert.equal(platform.alive, 0, 'no worker alive after shutdown');
  assert.equal(clock.pending, 0, `${clock.pending} timers pending after shutdown (platform and supervisor)`);
  const report = sim.report({ wallMs: 0, cpuMs: 0 });
  return { seed, trace: report.trace, detail: `${accounts} accounts, ${minutes} min of faults ${JSON.stringify(counts)}, ${report.restarts.total} restarts, ${report.steps} steps hashed` };
}
