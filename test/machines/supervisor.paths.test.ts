/**
 * State-driven test of the root supervisor machine. The machine's transition table, read with
 * @xstate/graph (every state with its tags and `shutdownRequested`, every event), must be exactly
 * the lifecycle written out below; then every simple path is replayed against a real actor whose
 * runtime steps (open the store, start the accounts, drain, close) the test settles, checking the
 * state after each step and, at the end, what the machine asked of the runtime and its output.
 *
 * The runtime is the machine's input (`SupervisorRuntime`): here each of its steps is a promise the
 * test settles and each call is recorded. createSupervisor() always opens a store that is already
 * made, so the opening's own paths (a shutdown while the store is being opened, an open that
 * fails) cannot be reached through it.
 */
import { adjacencyMapToArray, getAdjacencyMap, getSimplePaths, type StatePath } from '@xstate/graph';
import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock, waitFor, type SnapshotFrom } from 'xstate';
import { EscalationError } from '../../src/errors.js';
import { liveRef } from '../../src/machines/liveRef.js';
import { supervisorMachine, supervisorPhase, type SupervisionEvent, type SupervisorEvent, type SupervisorRuntime, type TaskEndedEvent } from '../../src/machines/supervisor.js';
import type { ShutdownStats } from '../../src/supervision/shutdownStats.js';

type Snapshot = SnapshotFrom<typeof supervisorMachine>;
type Path = StatePath<Snapshot, SupervisorEvent>;

const DEFAULT_TIMEOUT_MS = 1_000;
const SHUTDOWN_TIMEOUT_MS = 500;
const DRAINED: ShutdownStats = { completed: 1, cancelled: 2, failed: 0, forced: 0, durationMs: 7 };
const FORCED: ShutdownStats = { completed: 0, cancelled: 0, failed: 0, forced: 3, durationMs: 9 };
const OPEN_ERROR = new Error('store locked');
const START_ERROR = new Error('store unreadable');

const TASK_ENDED: TaskEndedEvent = {
  type: 'TASK_ENDED',
  accountId: 'a',
  incarnation: 1,
  ranMs: 5,
  output: { accountId: 'a', incarnation: 1, reason: 'failed', forced: false, startedAt: 0, endedAt: 5 },
};
const ESCALATED = { type: 'ESCALATED', accountId: 'a', incarnation: 2, restartsInWindow: 4, maxRestarts: 3, withinMs: 60_000 } as const;

/** The events the traversal is told (it never runs invoked actors or timers). */
const EVENTS = [
  { type: 'START' },
  { type: 'SHUTDOWN', timeoutMs: SHUTDOWN_TIMEOUT_MS },
  { type: 'xstate.done.actor.openStore' },
  { type: 'xstate.error.actor.openStore', error: OPEN_ERROR },
  { type: 'xstate.done.actor.startAccounts' },
  { type: 'xstate.error.actor.startAccounts', error: START_ERROR },
  ESCALATED,
  { type: 'xstate.done.actor.drainTasks', output: DRAINED },
  { type: 'xstate.error.actor.drainTasks', error: new Error('never') },
  { type: 'xstate.after.shutdownDeadline.supervisor.shuttingDown.draining' },
  { type: 'xstate.done.actor.closeResources' },
  { type: 'xstate.error.actor.closeResources', error: new Error('close failed') },
] as unknown as SupervisorEvent[];

function short(type: string): string {
  return type.replace('xstate.', '').replace('.supervisor.shuttingDown.draining', '');
}

/** A node: state value, tags, and whether a shutdown waits for the store's opening. */
function node(s: Snapshot): string {
  return `${JSON.stringify(s.value)} [${[...s.tags].sort().join(',')}]${s.context.shutdownRequested ? ' +shutdownRequested' : ''}`;
}

const IDLE = '{"starting":"idle"} []';
const OPENING = '{"starting":"openingStore"} []';
const OPENING_SHUTDOWN = '{"starting":"openingStore"} [] +shutdownRequested';
const STARTING = '{"starting":"startingAccounts"} [supervising]';
const RUNNING = '"running" [accepting,ready,supervising]';
const DRAINING = '{"shuttingDown":"draining"} [stopping]';
const DRAINING_SHUTDOWN = '{"shuttingDown":"draining"} [stopping] +shutdownRequested';
const CLOSING = '{"shuttingDown":"closing"} [stopping]';
const CLOSING_SHUTDOWN = '{"shuttingDown":"closing"} [stopping] +shutdownRequested';
const STOPPED = '"stopped" [stopping]';
const STOPPED_SHUTDOWN = '"stopped" [stopping] +shutdownRequested';

/** Every transition that changes the node: the lifecycle in the header of src/machines/supervisor.ts. */
const LIFECYCLE = [
  `${IDLE} --START--> ${OPENING}`,
  `${IDLE} --SHUTDOWN--> ${DRAINING}`,
  `${OPENING} --done.actor.openStore--> ${STARTING}`,
  `${OPENING} --error.actor.openStore--> ${DRAINING}`,
  `${OPENING} --SHUTDOWN--> ${OPENING_SHUTDOWN}`,
  `${OPENING_SHUTDOWN} --done.actor.openStore--> ${DRAINING_SHUTDOWN}`,
  `${OPENING_SHUTDOWN} --error.actor.openStore--> ${DRAINING_SHUTDOWN}`,
  `${STARTING} --done.actor.startAccounts--> ${RUNNING}`,
  `${STARTING} --error.actor.startAccounts--> ${DRAINING}`,
  `${STARTING} --SHUTDOWN--> ${DRAINING}`,
  `${STARTING} --ESCALATED--> ${DRAINING}`,
  `${RUNNING} --SHUTDOWN--> ${DRAINING}`,
  `${RUNNING} --ESCALATED--> ${DRAINING}`,
  ...[[DRAINING, CLOSING], [DRAINING_SHUTDOWN, CLOSING_SHUTDOWN]].flatMap(([from, to]) => [
    `${from} --done.actor.drainTasks--> ${to}`,
    `${from} --error.actor.drainTasks--> ${to}`,
    `${from} --after.shutdownDeadline--> ${to}`,
  ]),
  ...[[CLOSING, STOPPED], [CLOSING_SHUTDOWN, STOPPED_SHUTDOWN]].flatMap(([from, to]) => [
    `${from} --done.actor.closeResources--> ${to}`,
    `${from} --error.actor.closeResources--> ${to}`,
  ]),
].sort();

/** A promise the test settles. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** The runtime as the machine sees it: each step a promise the test settles, each call recorded. */
function scriptedRuntime(clock: SimulatedClock) {
  const steps = { openStore: deferred<void>(), startAccounts: deferred<void>(), drain: deferred<ShutdownStats>(), close: deferred<void>() };
  const calls: string[] = [];
  const closeDeadlines: number[] = [];
  const escalation = new EscalationError('a', 3, 60_000);
  const decided: SupervisionEvent = { type: 'TASK_FINISHED', accountId: 'a', incarnation: 1 };
  const runtime: SupervisorRuntime = {
    openStore: () => (calls.push('openStore'), steps.openStore.promise),
    startAccounts: () => (calls.push('startAccounts'), steps.startAccounts.promise),
    decide: () => (calls.push('decide'), decided),
    scheduleRestart: () => void calls.push('scheduleRestart'),
    suspend: () => void calls.push('suspend'),
    finish: () => void calls.push('finish'),
    escalate: () => (calls.push('escalate'), escalation),
    stopAccepting: () => void calls.push('stopAccepting'),
    drain: () => (calls.push('drain'), steps.drain.promise),
    forceRemaining: () => (calls.push('forceRemaining'), FORCED),
    close: (deadlineAt) => (calls.push('close'), closeDeadlines.push(deadlineAt), steps.close.promise),
    now: () => clock.now(),
  };
  return { runtime, steps, calls, closeDeadlines, escalation };
}

function startActor(clock: SimulatedClock, runtime: SupervisorRuntime) {
  return createActor(supervisorMachine, { input: { runtime: liveRef(runtime), defaultShutdownTimeoutMs: DEFAULT_TIMEOUT_MS }, clock }).start();
}

const inert = scriptedRuntime(new SimulatedClock()).runtime;
const traversal = { input: { runtime: liveRef(inert), defaultShutdownTimeoutMs: DEFAULT_TIMEOUT_MS }, events: EVENTS, serializeState: node };

describe('the root supervisor machine', () => {
  it('has exactly the lifecycle of its header: every state, tag and transition', () => {
    const edges = adjacencyMapToArray(getAdjacencyMap(supervisorMachine, traversal))
      .map(({ state, event, nextState }) => [node(state), short(event.type), node(nextState)] as const)
      .filter(([from, , to]) => from !== to)
      .map(([from, event, to]) => `${from} --${event}--> ${to}`);
    expect([...new Set(edges)].sort()).toEqual(LIFECYCLE);
  });

  const paths: Path[] = getSimplePaths(supervisorMachine, traversal);

  it('the traversal reaches every state', () => {
    expect(new Set(paths.map((p) => node(p.state)))).toEqual(new Set(LIFECYCLE.flatMap((e) => e.split(/ --\S+--> /))));
  });

  for (const path of paths) {
    // Plain strings: the traversal's steps include the invoke and delay events the type leaves out.
    const events: string[] = path.steps.slice(1).map((s) => s.event.type);
    it(`init > ${events.map(short).join(' > ') || '(start)'}`, async () => {
      const clock = new SimulatedClock();
      clock.set(10_000);
      const { runtime, steps, calls, closeDeadlines, escalation } = scriptedRuntime(clock);
      const actor = startActor(clock, runtime);
      let shutdownAt: number | undefined;
      const requested = events.includes('SHUTDOWN');
      try {
        for (const [i, step] of path.steps.slice(1).entries()) {
          const type: string = step.event.type;
          if (type === 'SHUTDOWN' || type === 'START' || type === 'ESCALATED') actor.send(step.event);
          else if (type === 'xstate.done.actor.openStore') steps.openStore.resolve();
          else if (type === 'xstate.error.actor.openStore') steps.openStore.reject(OPEN_ERROR);
          else if (type === 'xstate.done.actor.startAccounts') steps.startAccounts.resolve();
          else if (type === 'xstate.error.actor.startAccounts') steps.startAccounts.reject(START_ERROR);
          else if (type === 'xstate.done.actor.drainTasks') steps.drain.resolve(DRAINED);
          else if (type === 'xstate.error.actor.drainTasks') steps.drain.reject(new Error('drain broke'));
          else if (type.startsWith('xstate.after.shutdownDeadline')) clock.increment(requested ? SHUTDOWN_TIMEOUT_MS : DEFAULT_TIMEOUT_MS);
          else if (type === 'xstate.done.actor.closeResources') steps.close.resolve();
          else if (type === 'xstate.error.actor.closeResources') steps.close.reject(new Error('close failed'));
          const expected = node(step.state);
          await waitFor(actor, (s) => node(s) === expected, { timeout: 1_000 }).catch(() => {
            throw new Error(`step ${i + 1} (${type}): expected ${expected}, got ${node(actor.getSnapshot())}`);
          });
          if (shutdownAt === undefined && actor.getSnapshot().matches('shuttingDown')) shutdownAt = clock.now();
        }
        const end = actor.getSnapshot();
        expect(supervisorPhase(end)).toBe(typeof end.value === 'string' ? end.value : Object.keys(end.value)[0]);

        // What the machine asked of the runtime, in order, each exactly when the path needs it.
        const reached = (...types: string[]) => events.some((t) => types.includes(t));
        const expectedCalls = [
          ...(reached('START') ? ['openStore'] : []),
          ...(reached('xstate.done.actor.openStore') && !events.slice(0, events.indexOf('xstate.done.actor.openStore')).includes('SHUTDOWN') ? ['startAccounts'] : []),
          ...(reached('ESCALATED') ? ['escalate'] : []),
          ...(shutdownAt !== undefined ? ['stopAccepting', 'drain'] : []),
          ...(reached('xstate.error.actor.drainTasks', 'xstate.after.shutdownDeadline.supervisor.shuttingDown.draining') ? ['forceRemaining'] : []),
          ...(end.matches({ shuttingDown: 'closing' }) || end.matches('stopped') ? ['close'] : []),
        ];
        expect(calls).toEqual(expectedCalls);
        // Closing gets what is left of the deadline set when the shutdown began.
        if (calls.includes('close')) expect(closeDeadlines).toEqual([shutdownAt! + (requested ? SHUTDOWN_TIMEOUT_MS : DEFAULT_TIMEOUT_MS)]);

        if (end.status === 'done') {
          const forced = reached('xstate.error.actor.drainTasks', 'xstate.after.shutdownDeadline.supervisor.shuttingDown.draining');
          const stats = forced ? FORCED : DRAINED;
          expect(end.output).toEqual({
            stats: reached('ESCALATED') ? { ...stats, error: escalation } : stats,
            startError: reached('xstate.error.actor.openStore') ? OPEN_ERROR : reached('xstate.error.actor.startAccounts') ? START_ERROR : undefined,
          });
        }
      } finally {
        actor.stop();
      }
    });
  }
});

describe('decisions, in the states that supervise', () => {
  const decisions: [SupervisionEvent, string][] = [
    [{ type: 'RESTART_SCHEDULED', accountId: 'a', incarnation: 1, delayMs: 10, attempt: 0, history: [] }, 'scheduleRestart'],
    [{ type: 'SUSPENDED', cause: 'nonRetryable', accountId: 'a', incarnation: 1 }, 'suspend'],
    [{ type: 'TASK_FINISHED', accountId: 'a', incarnation: 1 }, 'finish'],
  ];

  async function inState(state: 'idle' | 'openingStore' | 'startingAccounts' | 'running' | 'draining') {
    const clock = new SimulatedClock();
    const r = scriptedRuntime(clock);
    const actor = startActor(clock, r.runtime);
    if (state !== 'idle' && state !== 'draining') actor.send({ type: 'START' });
    if (state === 'startingAccounts' || state === 'running') r.steps.openStore.resolve();
    if (state === 'running') r.steps.startAccounts.resolve();
    if (state === 'draining') actor.send({ type: 'SHUTDOWN', timeoutMs: SHUTDOWN_TIMEOUT_MS });
    await waitFor(actor, (s) => JSON.stringify(s.value).includes(state), { timeout: 1_000 });
    r.calls.length = 0;
    return { actor, ...r };
  }

  for (const state of ['startingAccounts', 'running'] as const) {
    it(`${state}: TASK_ENDED asks the runtime to decide, and the decision comes back as an event that is carried out`, async () => {
      const { actor, calls } = await inState(state);
      actor.send(TASK_ENDED);
      expect(calls).toEqual(['decide', 'finish']);
      for (const [event, call] of decisions) {
        calls.length = 0;
        actor.send(event);
        expect(calls).toEqual([call]);
      }
      actor.stop();
    });
  }

  for (const state of ['idle', 'openingStore', 'draining'] as const) {
    it(`${state}: ended tasks and decisions are ignored`, async () => {
      const { actor, calls } = await inState(state);
      for (const event of [TASK_ENDED, ...decisions.map(([e]) => e)]) actor.send(event);
      expect(calls).toEqual([]);
      actor.stop();
    });
  }
});
