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
 * It owns the supervisor's own lifecycle, and nothing else records it:
 *
 * ```
 * starting (idle ──START──▶ openingStore ──▶ startingAccounts) ──▶ running ──SHUTDOWN / ESCALATED──▶
 * shuttingDown (draining ──all cleaned / deadline──▶ closing) ──▶ stopped
 * ```
 *
 * Tags say what each state allows: `supervising` (tasks may start and restarts may be scheduled:
 * `starting`, `running`), `accepting` (commands are accepted: `running`), `ready` (`start()` has
 * resolved: `running`) and `stopping` (`shuttingDown`, `stopped`). `SHUTDOWN` while the store is
 * being opened waits for the open to finish, so a store that was opened (and locked) is always
 * closed. Closing (the job runner, pending supervision writes, the store) is the last step of
 * every stop, escalation and failed start included, and gets what is left of the deadline.
 *
 * Every supervision decision is an event sent to this actor (`RESTART_SCHEDULED`, `SUSPENDED`,
 * `ESCALATED`, `TASK_FINISHED`), not raised inside an action, so inspection observers see each
 * one as an `@xstate.event` with its account id, incarnation and delay or cause. The decision
 * itself is the pure `decideRestart()`. Actions get their data through typed `params`.
 *
 * ## Why the account tasks are not children of this machine
 *
 * Measured on this project's machine (`docs/xstate-facts.md`): every spawn or stop of a child copies the
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
import { assign, enqueueActions, fromPromise, setup, type SnapshotFrom } from 'xstate';
import type { PublicError } from '../supervision/statusOf.js';
import type { RestartDecision } from '../supervision/decideRestart.js';
import type { ShutdownStats } from '../supervision/shutdownStats.js';
import type { EscalationError } from '../errors.js';
import type { AccountTaskOutput, TaskEndReason } from './accountTask.js';
import type { LiveRef } from './liveRef.js';

/** A task ended without a command: the supervisor must decide what follows. */
export type TaskEndedEvent = { type: 'TASK_ENDED'; accountId: string; incarnation: number; output: AccountTaskOutput; ranMs: number };

/**
 * A decision about one account, as a machine event: the account, the incarnation whose end was
 * decided on, how it ended, and its error without the stack (what a status shows).
 */
export type SupervisionEvent = RestartDecision & { accountId: string; incarnation: number; reason?: TaskEndReason; error?: PublicError };

/** Every event the root accepts. */
export type SupervisorEvent = TaskEndedEvent | SupervisionEvent | { type: 'START' } | { type: 'SHUTDOWN'; timeoutMs: number };

type Decision<T extends SupervisionEvent['type']> = Extract<SupervisionEvent, { type: T }>;

/**
 * What the root machine drives. The runtime owns the accounts and the resources; the machine owns
 * the decisions and the supervisor's own lifecycle. `createSupervisor()` provides it.
 */
export interface SupervisorRuntime {
  /** Opens (and for lowdb locks) the account store. */
  openStore(): Promise<void>;
  /** Loads the store and starts every enabled account; stops early if `signal` aborts. */
  startAccounts(signal: AbortSignal): Promise<void>;
  /** Turns an ended task into a decision (pure with respect to the machine). */
  decide(event: TaskEndedEvent): SupervisionEvent;
  scheduleRestart(event: Decision<'RESTART_SCHEDULED'>): void;
  suspend(event: Decision<'SUSPENDED'>): void;
  finish(event: Decision<'TASK_FINISHED'>): void;
  /** Logs the escalation and returns the error the shutdown stats will carry. */
  escalate(event: Decision<'ESCALATED'>): EscalationError;
  /** Clears pending restarts and starts counting the shutdown (synchronous: nothing starts after this). */
  stopAccepting(): void;
  /** Cancels every task and resolves once each is cleaned; never rejects. */
  drain(): Promise<ShutdownStats>;
  /** At the shutdown deadline: counts what is still alive as forced and lets go of it. */
  forceRemaining(): ShutdownStats;
  /** Stops the job runner, flushes supervision writes, closes the store, each within what is left until `deadlineAt`; never rejects. */
  close(deadlineAt: number): Promise<void>;
  /** The supervisor clock's time. */
  now(): number;
}

/** Input of the root machine. */
export interface SupervisorInput {
  runtime: LiveRef<SupervisorRuntime>;
  /** Used when the supervisor shuts itself down (escalation, failed start) and when `shutdown()` gives none. */
  defaultShutdownTimeoutMs: number;
}

interface SupervisorContext extends SupervisorInput {
  shutdownTimeoutMs: number;
  /** The clock time by which the shutdown (closing included) should be over. */
  deadlineAt: number;
  /** `SHUTDOWN` arrived while the store was opening: stop as soon as it is open. */
  shutdownRequested: boolean;
  stats: ShutdownStats | undefined;
  startError: unknown;
  escalation: EscalationError | undefined;
}

/** What the root machine ends with. */
export interface SupervisorOutput {
  stats: ShutdownStats | undefined;
  startError: unknown;
}

function runtimeOf({ context }: { context: SupervisorContext }): SupervisorRuntime {
  return context.runtime.current;
}

function supervisorOutput({ context }: { context: SupervisorContext }): SupervisorOutput {
  const stats = context.stats && context.escalation ? { ...context.stats, error: context.escalation } : context.stats;
  return { stats, startError: context.startError };
}

/** How the root answers an ended task, in `starting` and `running`: decide, then act on the decision. */
const supervising = {
  TASK_ENDED: { actions: { type: 'decide', params: ({ event }: { event: TaskEndedEvent }) => event } },
  RESTART_SCHEDULED: { actions: { type: 'scheduleRestart', params: ({ event }: { event: Decision<'RESTART_SCHEDULED'> }) => event } },
  SUSPENDED: { actions: { type: 'suspendAccount', params: ({ event }: { event: Decision<'SUSPENDED'> }) => event } },
  TASK_FINISHED: { actions: { type: 'recordFinished', params: ({ event }: { event: Decision<'TASK_FINISHED'> }) => event } },
  ESCALATED: {
    target: '#supervisor.shuttingDown',
    actions: { type: 'recordEscalation', params: ({ event }: { event: Decision<'ESCALATED'> }) => event },
  },
} as const;

const shutdownRequested = {
  target: '#supervisor.shuttingDown',
  actions: { type: 'acceptShutdownTimeout', params: ({ event }: { event: { timeoutMs: number } }) => event },
} as const;

/**
 * The root supervisor machine. Create it through `createSupervisor()`, which supplies the runtime.
 *
 * @example
 * ```ts
 * const supervisor = createSupervisor({ worker });
 * await supervisor.start();
 * supervisor.actor.getSnapshot().hasTag('accepting'); // true
 * ```
 */
export const supervisorMachine = setup({
  types: {
    input: {} as SupervisorInput,
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    output: {} as SupervisorOutput,
    tags: {} as 'supervising' | 'accepting' | 'ready' | 'stopping',
  },
  actors: {
    openStore: fromPromise<void, SupervisorRuntime>(({ input }) => input.openStore()),
    startAccounts: fromPromise<void, SupervisorRuntime>(({ input, signal }) => input.startAccounts(signal)),
    drainTasks: fromPromise<ShutdownStats, SupervisorRuntime>(({ input }) => input.drain()),
    closeResources: fromPromise<void, { runtime: SupervisorRuntime; deadlineAt: number }>(({ input }) => input.runtime.close(input.deadlineAt)),
  },
  delays: {
    shutdownDeadline: ({ context }) => context.shutdownTimeoutMs,
  },
  guards: {
    shutdownRequested: ({ context }) => context.shutdownRequested,
  },
  actions: {
    // Sent to this actor, not raised: a raised event is only a microstep, which inspection drops.
    decide: enqueueActions(({ context, enqueue, self }, event: TaskEndedEvent) => {
      enqueue.sendTo(self, context.runtime.current.decide(event));
    }),
    scheduleRestart: ({ context }, event: Decision<'RESTART_SCHEDULED'>) => context.runtime.current.scheduleRestart(event),
    suspendAccount: ({ context }, event: Decision<'SUSPENDED'>) => context.runtime.current.suspend(event),
    recordFinished: ({ context }, event: Decision<'TASK_FINISHED'>) => context.runtime.current.finish(event),
    recordEscalation: assign({
      escalation: ({ context }, event: Decision<'ESCALATED'>) => context.runtime.current.escalate(event),
    }),
    acceptShutdownTimeout: assign({ shutdownTimeoutMs: (_, event: { timeoutMs: number }) => event.timeoutMs }),
    markShutdownRequested: assign({ shutdownRequested: true }),
    startDeadline: assign({ deadlineAt: ({ context }) => context.runtime.current.now() + context.shutdownTimeoutMs }),
    stopAccepting: ({ context }) => context.runtime.current.stopAccepting(),
    recordStats: assign({ stats: (_, stats: ShutdownStats) => stats }),
    forceRemaining: assign({ stats: ({ context }) => context.runtime.current.forceRemaining() }),
    recordStartError: assign({ startError: (_, error: unknown) => error }),
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => ({
    ...input,
    shutdownTimeoutMs: input.defaultShutdownTimeoutMs,
    deadlineAt: 0,
    shutdownRequested: false,
    stats: undefined,
    startError: undefined,
    escalation: undefined,
  }),
  initial: 'starting',
  states: {
    starting: {
      initial: 'idle',
      states: {
        idle: {
          on: { START: { target: 'openingStore' }, SHUTDOWN: shutdownRequested },
        },
        openingStore: {
          invoke: {
            id: 'openStore',
            src: 'openStore',
            input: runtimeOf,
            onDone: [{ guard: 'shutdownRequested', target: '#supervisor.shuttingDown' }, { target: 'startingAccounts' }],
            onError: { target: '#supervisor.shuttingDown', actions: { type: 'recordStartError', params: ({ event }: { event: { error: unknown } }) => event.error } },
          },
          // The open may be taking a lock: let it finish, then stop (and close what it opened).
          on: {
            SHUTDOWN: {
              actions: [{ type: 'acceptShutdownTimeout', params: ({ event }) => event }, 'markShutdownRequested'],
            },
          },
        },
        startingAccounts: {
          tags: ['supervising'],
          invoke: {
            id: 'startAccounts',
            src: 'startAccounts',
            input: runtimeOf,
            onDone: { target: '#supervisor.running' },
            onError: { target: '#supervisor.shuttingDown', actions: { type: 'recordStartError', params: ({ event }: { event: { error: unknown } }) => event.error } },
          },
          // Starting 100,000 accounts yields to the event loop, so tasks end while it goes on.
          on: { ...supervising, SHUTDOWN: shutdownRequested },
        },
      },
    },
    running: {
      tags: ['supervising', 'accepting', 'ready'],
      on: { ...supervising, SHUTDOWN: shutdownRequested },
    },
    shuttingDown: {
      tags: ['stopping'],
      entry: ['startDeadline', 'stopAccepting'],
      initial: 'draining',
      states: {
        draining: {
          invoke: {
            id: 'drainTasks',
            src: 'drainTasks',
            input: runtimeOf,
            onDone: { target: 'closing', actions: { type: 'recordStats', params: ({ event }) => event.output } },
            // drain() never rejects; should it ever, the deadline's path still ends the shutdown now.
            onError: { target: 'closing', actions: 'forceRemaining' },
          },
          after: { shutdownDeadline: { target: 'closing', actions: 'forceRemaining' } },
        },
        closing: {
          invoke: {
            id: 'closeResources',
            src: 'closeResources',
            input: ({ context }) => ({ runtime: context.runtime.current, deadlineAt: context.deadlineAt }),
            onDone: { target: '#supervisor.stopped' },
            onError: { target: '#supervisor.stopped' },
          },
        },
      },
    },
    stopped: { type: 'final', tags: ['stopping'] },
  },
  output: supervisorOutput,
});

/** A snapshot of the root machine. */
export type SupervisorSnapshot = SnapshotFrom<typeof supervisorMachine>;

/**
 * The supervisor's phase: the root machine's top-level state (`starting`, `running`,
 * `shuttingDown`, `stopped`), for health checks and metrics.
 *
 * @example
 * ```ts
 * supervisorPhase(supervisor.actor.getSnapshot()); // 'running'
 * ```
 */
export function supervisorPhase(snapshot: SupervisorSnapshot): 'starting' | 'running' | 'shuttingDown' | 'stopped' {
  const value = snapshot.value;
  return typeof value === 'string' ? value : (Object.keys(value)[0] as 'starting' | 'shuttingDown');
}
