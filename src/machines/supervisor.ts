/**
 * # The root supervisor
 *
 * ## Policy, in plain words
 *
 * The supervisor keeps one task per enabled account and decides what happens when a task ends
 * without being told to. It follows Erlang/OTP's `supervisor`, one account at a time
 * (`one_for_one`): a task that ends is restarted or not according to its restart type
 * (`permanent` restarts after it completed or failed, `transient` only after it failed,
 * `temporary` never; a cancelled task is never restarted). Restarts are spaced by exponential
 * backoff with jitter, so a platform outage that kills 10,000 sessions at once does not bring
 * 10,000 reconnects back in the same second. If an account needs more than `maxRestarts`
 * restarts within `withinMs` (OTP's MaxR and MaxT), the supervisor stops trying: it suspends that
 * account and leaves every other one alone, or, with `onIntensityExceeded: 'escalate'`, shuts
 * itself down with an error, as an OTP supervisor terminates and lets its own parent decide. A
 * failure whose error says `retryable: false` (rejected credentials, a banned account) suspends at
 * once: restarting cannot help.
 *
 * Shutdown stops accepting commands, clears pending restarts, cancels every task in parallel and
 * waits until each is `cleaned` or the shutdown deadline passes; whatever is still alive then is
 * counted as `forced`, never waited for silently.
 *
 * ## This machine
 *
 * `starting → running → shuttingDown → stopped`. Every supervision decision is an event of this
 * machine (`RESTART_SCHEDULED`, `SUSPENDED`, `ESCALATED`, `TASK_FINISHED`), so the inspector and
 * the logs show each one as it is taken. The decision itself is the pure `decideRestart()`.
 *
 * ## Why the account tasks are not children of this machine
 *
 * Measured on this project's machine (`xstate-facts.md`): every spawn or stop of a child copies the
 * parent's whole `children` object, so 10,000 spawned children cost 2.3 ms each and the cost grows
 * with N; and actors sharing one system share one timer table that every actor stop scans, so a
 * mass cancel of N tasks holding timers is quadratic. statevisor therefore runs each account task
 * as a standalone actor in its own system (design (a) of fact 9), held in a `Map` that the
 * supervisor's runtime owns, outside any snapshot. Per-account cost stays constant (about the
 * cost of a bare actor), the task machines keep their `after` delays, and the supervisor's
 * `inspect` observer is passed to every task, so the inspector still sees each one. What is lost
 * is the parent link in the inspector's tree; each task's `accountId` and `incarnation` are in its
 * context instead. The same choice defends against the other traps of fact list: no duplicate
 * child ids (the `Map` refuses them), no `sendTo` to a gone id (events go to held refs of live
 * tasks only), no child error taking the root down (task errors arrive in a subscription), and
 * no finished child kept forever (a task's ref is dropped when it is `cleaned`).
 *
 * Backoff timers are timers of the supervisor's clock owned by the runtime, not `after`
 * transitions here, for the same timer-table reason. The root and every task run on that same
 * clock (`createActor(…, { clock })`), so a `SimulatedClock` moves all of them together.
 */
import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import type { TaskError } from '../worker/describeError.js';
import type { RestartDecision } from '../supervision/decideRestart.js';
import type { ShutdownStats } from '../supervision/shutdownStats.js';
import type { AccountTaskOutput } from './accountTask.js';
import type { LiveRef } from './liveRef.js';

/** A task ended without a command: the supervisor must decide what follows. */
export type TaskEndedEvent = { type: 'TASK_ENDED'; accountId: string; incarnation: number; output: AccountTaskOutput; ranMs: number };

/** A decision about one account, as a machine event. */
export type SupervisionEvent = RestartDecision & { accountId: string; incarnation: number; error?: TaskError };

/** Every event the root accepts. */
export type SupervisorEvent = TaskEndedEvent | SupervisionEvent | { type: 'SHUTDOWN'; timeoutMs: number };

/**
 * What the root machine drives. The runtime owns the accounts; the machine owns the decisions and
 * the supervisor's own lifecycle. `createSupervisor()` provides it.
 */
export interface SupervisorRuntime {
  /** Loads the store and starts every enabled account; stops early if `signal` aborts. */
  startAccounts(signal: AbortSignal): Promise<void>;
  /** Turns an ended task into a decision (pure with respect to the machine). */
  decide(event: TaskEndedEvent): SupervisionEvent;
  scheduleRestart(event: SupervisionEvent & { type: 'RESTART_SCHEDULED' }): void;
  suspend(event: SupervisionEvent & { type: 'SUSPENDED' }): void;
  finish(event: SupervisionEvent): void;
  escalate(event: SupervisionEvent): void;
  /** Stops accepting commands and restarts (synchronous, so nothing starts after this returns). */
  stopAccepting(): void;
  /** Cancels every task and resolves once each is cleaned; never rejects. */
  drain(): Promise<ShutdownStats>;
  /** At the shutdown deadline: counts what is still alive as forced and lets go of it. */
  forceRemaining(): ShutdownStats;
}

/** Input of the root machine. */
export interface SupervisorInput {
  runtime: LiveRef<SupervisorRuntime>;
  /** Used when the supervisor shuts itself down (escalation). */
  defaultShutdownTimeoutMs: number;
}

interface SupervisorContext extends SupervisorInput {
  shutdownTimeoutMs: number;
  stats: ShutdownStats | undefined;
  startError: unknown;
}

function runtimeOf({ context }: { context: SupervisorContext }): SupervisorRuntime {
  return context.runtime.current;
}

/** What the root machine ends with. */
export interface SupervisorOutput {
  stats: ShutdownStats | undefined;
  startError: unknown;
}

function supervisorOutput({ context }: { context: SupervisorContext }): SupervisorOutput {
  return { stats: context.stats, startError: context.startError };
}

/** How the root answers an ended task, in `starting` and `running`: decide, then act on the decision. */
const supervising = {
  TASK_ENDED: { actions: 'decide' },
  RESTART_SCHEDULED: { actions: 'scheduleRestart' },
  SUSPENDED: { actions: 'suspendAccount' },
  TASK_FINISHED: { actions: 'recordFinished' },
  ESCALATED: { target: '#supervisor.shuttingDown', actions: 'recordEscalation' },
} as const;

/**
 * The root supervisor machine. Create it through `createSupervisor()`, which supplies the runtime.
 *
 * @example
 * ```ts
 * const supervisor = createSupervisor({ worker });
 * await supervisor.start();
 * supervisor.actor.getSnapshot().value; // 'running'
 * ```
 */
export const supervisorMachine = setup({
  types: {
    input: {} as SupervisorInput,
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    output: {} as SupervisorOutput,
  },
  actors: {
    startAccounts: fromPromise<void, SupervisorRuntime>(({ input, signal }) => input.startAccounts(signal)),
    drainTasks: fromPromise<ShutdownStats, SupervisorRuntime>(({ input }) => input.drain()),
  },
  delays: {
    shutdownDeadline: ({ context }) => context.shutdownTimeoutMs,
  },
  actions: {
    decide: enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'TASK_ENDED') enqueue.raise(context.runtime.current.decide(event));
    }),
    scheduleRestart: ({ context, event }) => {
      if (event.type === 'RESTART_SCHEDULED') context.runtime.current.scheduleRestart(event);
    },
    suspendAccount: ({ context, event }) => {
      if (event.type === 'SUSPENDED') context.runtime.current.suspend(event);
    },
    recordFinished: ({ context, event }) => {
      if (event.type === 'TASK_FINISHED') context.runtime.current.finish(event);
    },
    recordEscalation: ({ context, event }) => {
      if (event.type === 'ESCALATED') context.runtime.current.escalate(event);
    },
    acceptShutdownTimeout: assign({
      shutdownTimeoutMs: ({ context, event }) => (event.type === 'SHUTDOWN' ? event.timeoutMs : context.shutdownTimeoutMs),
    }),
    stopAccepting: ({ context }) => context.runtime.current.stopAccepting(),
    recordStats: assign({ stats: ({ event }) => (event as unknown as { output: ShutdownStats }).output }),
    forceRemaining: assign({ stats: ({ context }) => context.runtime.current.forceRemaining() }),
    recordStartError: assign({ startError: ({ event }) => (event as unknown as { error: unknown }).error }),
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => ({ ...input, shutdownTimeoutMs: input.defaultShutdownTimeoutMs, stats: undefined, startError: undefined }),
  initial: 'starting',
  states: {
    starting: {
      invoke: {
        id: 'startAccounts',
        src: 'startAccounts',
        input: runtimeOf,
        onDone: { target: 'running' },
        onError: { target: 'shuttingDown', actions: 'recordStartError' },
      },
      // Starting 100,000 accounts yields to the event loop, so tasks end while it goes on.
      on: { ...supervising, SHUTDOWN: { target: 'shuttingDown', actions: 'acceptShutdownTimeout' } },
    },
    running: {
      on: { ...supervising, SHUTDOWN: { target: 'shuttingDown', actions: 'acceptShutdownTimeout' } },
    },
    shuttingDown: {
      entry: 'stopAccepting',
      invoke: {
        id: 'drainTasks',
        src: 'drainTasks',
        input: runtimeOf,
        onDone: { target: 'stopped', actions: 'recordStats' },
        // drain() never rejects; should it ever, the deadline's path still ends the shutdown now.
        onError: { target: 'stopped', actions: 'forceRemaining' },
      },
      after: { shutdownDeadline: { target: 'stopped', actions: 'forceRemaining' } },
    },
    stopped: { type: 'final' },
  },
  output: supervisorOutput,
});
