/**
 * The lifecycle of one account task: one incarnation of one account's worker.
 *
 * ```
 * loading ──LOADED──▶ running ──WORKER_DONE──▶ cleaned (completed)
 *    │                    │  └──WORKER_FAILED──▶ failed ──SETTLED / cancelTimeout──▶ cleaned (failed)
 *    │ LOAD_FAILED / loadTimeout ──────────────────▲
 *    │                    └──CANCEL──▶ cancelling ──SETTLED──▶ cleaned (cancelled)
 *    └──CANCEL──▶ cleaned (cancelled)              └──cancelTimeout──▶ cleaned (cancelled, forced: the worker leaked)
 * ```
 *
 * Each task runs as a standalone actor (its own actor system), not as a child of the supervisor's
 * root: see the header of `supervisor.ts` for why. Cancellation is an event (`CANCEL`), never
 * `actor.stop()`, which runs no exit actions and would skip `cancelling` (docs/xstate-facts.md, fact 1).
 */
import { assign, setup } from 'xstate';
import type { WorkerHandle } from '../worker/workerHandle.js';
import { describeError, type TaskError } from '../worker/describeError.js';
import { LoadTimeoutError } from '../errors.js';
import { systemClock, type Clock } from '../clock/clock.js';
import { liveRef, type LiveRef } from './liveRef.js';

/** Why a task ended. */
export type TaskEndReason = 'completed' | 'cancelled' | 'failed';

/** What the supervisor passes to each task. */
export interface AccountTaskInput {
  worker: WorkerHandle;
  loadTimeoutMs: number;
  cancelTimeoutMs: number;
  /**
   * Where `startedAt` and `endedAt` are read. Give the actor the same clock
   * (`createActor(accountTaskMachine, { input, clock })`) so its delays run on it too. Default: real time.
   */
  clock?: Clock;
}

/** The task's context: plain data plus the worker handle, which serialises without the account. */
export interface AccountTaskContext extends Omit<AccountTaskInput, 'clock'> {
  /** Held in a {@link LiveRef}: a simulated clock's pending timers stay out of snapshots. */
  clock: LiveRef<Clock>;
  accountId: string;
  incarnation: number;
  reason: TaskEndReason | undefined;
  forced: boolean;
  error: TaskError | undefined;
  startedAt: number;
  endedAt: number | undefined;
}

/** The task's output once `cleaned`. `forced` means the worker ignored cancellation and may still be alive. */
export interface AccountTaskOutput {
  accountId: string;
  incarnation: number;
  reason: TaskEndReason;
  forced: boolean;
  error?: TaskError;
  startedAt: number;
  endedAt: number;
}

/**
 * The task's events. Only `CANCEL` comes from outside; the others report how a step of the worker
 * ended (the entry actions `loadAccount`, `runWorker` and `awaitSettled` start the steps).
 */
export type AccountTaskEvent =
  | { type: 'CANCEL' }
  | { type: 'LOADED' }
  | { type: 'LOAD_FAILED'; error: unknown }
  | { type: 'WORKER_DONE' }
  | { type: 'WORKER_FAILED'; error: unknown }
  | { type: 'SETTLED' };

/** The task as its steps see it: where each step's outcome is sent. */
type TaskSelf = { send(event: AccountTaskEvent): void; getSnapshot(): { status: string } };

/**
 * Reports how a step of the worker (`load`, `run`, `settled`) ended, as an event to the task
 * itself. A step that settles after the machine moved on sends an event the new state does not
 * handle (for example `WORKER_FAILED` after `CANCEL`, once the aborted worker rejects), which the
 * machine ignores; once the task is `cleaned` nothing is sent (a stopped actor would warn).
 *
 * The steps are started by entry actions and report to the task directly, with no child actor.
 * Measured with xstate 5.33 on this machine (CPU per task, 20,000 tasks each going loading →
 * running → failed → cleaned, three runs each): one long-lived callback child that ran the steps
 * (the previous design) 111–124 µs, no child 85–98 µs. A child per state, measured earlier, was
 * dearer still (109–114 µs to start and 86–101 µs to stop a task, against 94 and 61–64 with one
 * long-lived child).
 * Each child is an actor of its own (snapshot, registration in the system, start, stop), and
 * every step's outcome crossed it twice (`sendTo` the child, `sendBack` to the task).
 */
function report(self: TaskSelf, step: Promise<void>, done: AccountTaskEvent, failed?: 'LOAD_FAILED' | 'WORKER_FAILED'): void {
  const send = (event: AccountTaskEvent) => {
    if (self.getSnapshot().status === 'active') self.send(event);
  };
  step.then(
    () => send(done),
    (error: unknown) => send(failed ? { type: failed, error } : done),
  );
}

const LOADED: AccountTaskEvent = { type: 'LOADED' };
const WORKER_DONE: AccountTaskEvent = { type: 'WORKER_DONE' };
const SETTLED: AccountTaskEvent = { type: 'SETTLED' };

/** The `LiveRef` of the last clock seen: every task of a supervisor shares one clock, so one ref. */
let sharedClockRef: LiveRef<Clock> = liveRef(systemClock);

// Every field written out, no `...input`: the start profile (node --cpu-prof, 10k accounts) had
// this function at 12 % of the task actor's construction with the spread and a new LiveRef per
// task; a fixed literal gives every context one shape, which each `assign` copy then reuses.
function initialContext({ input }: { input: AccountTaskInput }): AccountTaskContext {
  const clock = input.clock ?? systemClock;
  if (sharedClockRef.current !== clock) sharedClockRef = liveRef(clock);
  return {
    worker: input.worker,
    loadTimeoutMs: input.loadTimeoutMs,
    cancelTimeoutMs: input.cancelTimeoutMs,
    clock: sharedClockRef,
    accountId: input.worker.accountId,
    incarnation: input.worker.incarnation,
    reason: undefined,
    forced: false,
    error: undefined,
    startedAt: clock.now(),
    endedAt: undefined,
  };
}

// Named actions are typed with the task's own events; the actor error events reach them too.
function thrownBy(event: object): unknown {
  return 'error' in event ? event.error : undefined;
}

function taskOutput({ context }: { context: AccountTaskContext }): AccountTaskOutput {
  return {
    accountId: context.accountId,
    incarnation: context.incarnation,
    reason: context.reason ?? 'failed',
    forced: context.forced,
    ...(context.error ? { error: context.error } : {}),
    startedAt: context.startedAt,
    endedAt: context.endedAt ?? context.clock.current.now(),
  };
}

/**
 * The account task statechart. Top-level states are exactly `loading`, `running`,
 * `cancelling`, `failed` and `cleaned` (final).
 *
 * @example
 * ```ts
 * const task = createActor(accountTaskMachine, { input: { worker: handle, loadTimeoutMs: 10_000, cancelTimeoutMs: 5_000 } });
 * task.subscribe({ complete: () => console.log(task.getSnapshot().output) });
 * task.start();
 * task.send({ type: 'CANCEL' });
 * ```
 */
export const accountTaskMachine = setup({
  types: {
    input: {} as AccountTaskInput,
    context: {} as AccountTaskContext,
    events: {} as AccountTaskEvent,
    output: {} as AccountTaskOutput,
  },
  delays: {
    loadTimeout: ({ context }) => context.loadTimeoutMs,
    cancelTimeout: ({ context }) => context.cancelTimeoutMs,
  },
  actions: {
    recordError: assign({ error: ({ event }) => describeError(thrownBy(event)) }),
    recordLoadTimeout: assign({
      error: ({ context }) => describeError(new LoadTimeoutError(context.accountId, context.loadTimeoutMs)),
    }),
    // The end's reason and time in one context copy (each `assign` copies the context).
    endAs: assign(({ context }, params: { reason: TaskEndReason }) => ({ reason: params.reason, endedAt: context.clock.current.now() })),
    markForced: assign({ forced: true }),
    abortWorker: ({ context }) => context.worker.abort(),
    loadAccount: ({ context, self }) => report(self, context.worker.load(), LOADED, 'LOAD_FAILED'),
    runWorker: ({ context, self }) => report(self, context.worker.run(), WORKER_DONE, 'WORKER_FAILED'),
    awaitSettled: ({ context, self }) => report(self, context.worker.settled(), SETTLED),
    // Asked first, so a silent logger never gets a child made for the task (`taskLogEnabled`).
    logFailure: ({ context }) =>
      context.worker.logs('warn') &&
      context.worker.log.warn({ err: context.error }, `account ${context.accountId} task failed: ${context.error?.message ?? 'unknown error'}`),
    warnLeaked: ({ context }) =>
      context.worker.logs('warn') &&
      context.worker.log.warn(
        { cancelTimeoutMs: context.cancelTimeoutMs },
        `account ${context.accountId}: worker ignored cancellation for ${context.cancelTimeoutMs} ms and is still alive (leaked)`,
      ),
  },
}).createMachine({
  id: 'accountTask',
  context: initialContext,
  initial: 'loading',
  states: {
    loading: {
      entry: 'loadAccount',
      after: { loadTimeout: { target: 'failed', actions: 'recordLoadTimeout' } },
      on: {
        LOADED: { target: 'running' },
        LOAD_FAILED: { target: 'failed', actions: 'recordError' },
        CANCEL: { target: 'cleaned', actions: { type: 'endAs', params: { reason: 'cancelled' } } },
      },
    },
    running: {
      entry: 'runWorker',
      on: {
        WORKER_DONE: { target: 'cleaned', actions: { type: 'endAs', params: { reason: 'completed' } } },
        WORKER_FAILED: { target: 'failed', actions: 'recordError' },
        CANCEL: { target: 'cancelling' },
      },
    },
    cancelling: {
      entry: ['abortWorker', 'awaitSettled'],
      on: { SETTLED: { target: 'cleaned', actions: { type: 'endAs', params: { reason: 'cancelled' } } } },
      after: {
        cancelTimeout: {
          target: 'cleaned',
          actions: [{ type: 'endAs', params: { reason: 'cancelled' } }, 'markForced', 'warnLeaked'],
        },
      },
    },
    failed: {
      entry: ['logFailure', 'abortWorker', 'awaitSettled'],
      on: { SETTLED: { target: 'cleaned', actions: { type: 'endAs', params: { reason: 'failed' } } } },
      after: {
        cancelTimeout: {
          target: 'cleaned',
          actions: [{ type: 'endAs', params: { reason: 'failed' } }, 'markForced', 'warnLeaked'],
        },
      },
    },
    // Every transition into `cleaned` runs `endAs`, which records the end's reason and time.
    cleaned: { type: 'final' },
  },
  output: taskOutput,
});
