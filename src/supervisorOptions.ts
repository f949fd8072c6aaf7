import type { AnyActorLogic, InspectionEvent, Observer } from 'xstate';
import type { Logger } from 'pino';
import type { Account } from './account.js';
import type { Worker } from './worker/worker.js';
import type { JobRunnerOptions } from './jobs/options.js';
import type { ScopeLimits } from './jobs/types.js';
import type { AccountStore } from './persistence/accountStore.js';
import type { RestartPolicyInput } from './supervision/restartPolicy.js';
import type { Clock } from './clock/clock.js';
import type { AdmissionOptions } from './admission/admissionOptions.js';
import type { HistoryEntry } from './history/historyEntry.js';

/**
 * Options of `createSupervisor()`. Give exactly one of `worker` and `workerFor`.
 *
 * @example
 * ```ts
 * createSupervisor({ worker, store: memoryStore(), restart: { type: 'transient' }, cancelTimeoutMs: 2_000 });
 * ```
 */
export interface SupervisorOptions {
  /** The worker every account runs. */
  worker?: Worker | AnyActorLogic;
  /**
   * Chooses a worker per account (called once per incarnation, after the account is loaded, and
   * again to read the chosen worker's `settingsSchema` on add, update and before each start): keep it free of side effects.
   */
  workerFor?: (account: Account) => Worker | AnyActorLogic;
  /** Where accounts and supervision state live. Default: the lowdb file `DEFAULT_DATA_FILE`, opened and locked by `start()`. */
  store?: AccountStore;
  /** The supervisor's restart policy; accounts may override parts of it. Default: `DEFAULT_RESTART_POLICY`. */
  restart?: RestartPolicyInput;
  /** How long a cancelled (or failed) worker may take to settle before it is reported leaked. Default 5000. */
  cancelTimeoutMs?: number;
  /** How long a task may spend in `loading`. Default 10000. */
  loadTimeoutMs?: number;
  /** `shutdown()`'s deadline when none is passed, and the deadline of an escalation shutdown. Default 10000. */
  shutdownTimeoutMs?: number;
  /** `waitFor()`'s deadline when none is passed. Default 30000. */
  waitTimeoutMs?: number;
  /** pino logger; each task gets a child with `accountId` and `incarnation`. Default: pino at `info` to stdout. */
  logger?: Logger;
  /** XState inspection observer, passed to the root and to every account task. Default: none (no cost). */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /**
   * The job runner behind every worker's `ctx.jobs` (see `createJobRunner`), plus `perAccount`
   * limits applied to each task's jobs. Default: the runner's defaults, and one `reply` job at a
   * time per account so replies keep their order.
   */
  jobs?: Omit<JobRunnerOptions, 'logger'> & { perAccount?: ScopeLimits };
  /**
   * Source of randomness for backoff jitter, for reproducible tests: a number in [0, 1) for each
   * draw, given the id of the account the draw is for. Default `Math.random`. A source with one
   * stream per account (as `simulateFleet()` uses) makes each account's delays independent of how
   * the other accounts' events interleave.
   *
   * @example
   * ```ts
   * import { randomStream } from 'statevisor';
   * const streams = new Map<string, () => number>(); // one seeded stream per account
   * const streamOf = (id: string) => streams.get(id) ?? streams.set(id, randomStream(7, id)).get(id)!;
   * createSupervisor({ worker, random: (id) => streamOf(id)() });
   * ```
   */
  random?: (accountId: string) => number;
  /**
   * Every timer and time read of the supervisor: the root actor and each account task (their
   * delays), backoff timers, status timestamps, the restart-intensity window, deadlines, the job
   * runner (unless `jobs.clock` is given) and `ctx.clock` of every worker. XState's
   * `SimulatedClock` fits. Default: real time (`systemClock`).
   *
   * @example
   * ```ts
   * const clock = new SimulatedClock();
   * const supervisor = createSupervisor({ worker, store: memoryStore(), clock });
   * clock.increment(60_000); // a minute passes for every backoff, timeout and timestamp
   * ```
   */
  clock?: Clock;
  /**
   * Admission control: a limit on how fast and how many tasks start, across every account and
   * every kind of start (boot, restarts, commands, reload). Off by default (tasks start at once).
   * A start waiting for its turn shows `state: 'loading'` with `waitingForAdmission: true`; a
   * `remove` or `disable` meanwhile means it never starts; shutdown drops waiting starts.
   * See `AdmissionOptions` and the README's "Admission control".
   *
   * @example
   * ```ts
   * createSupervisor({ worker, admission: { startsPerSecond: 20, burst: 20, maxStarting: 50 } });
   * ```
   */
  admission?: AdmissionOptions;
  /**
   * The flight recorder (`supervisor.history(id)`): per account, the newest `size` entries of
   * what happened (task transitions, decisions, commands, errors), of which the newest
   * `persisted` are saved with the supervision record and survive a restart of the process.
   * `size: 0` turns it off. Default `{ size: 200, persisted: 20 }`.
   *
   * `onEntry(accountId, entry)` is called with every entry as it is recorded (frozen, `at`
   * stamped by the supervisor's clock), also with `size: 0`: a push stream of the same record,
   * for shipping it elsewhere or for a harness that watches every transition and decision
   * (`simulateFleet()` hashes its trace from it). It runs synchronously inside the supervisor's
   * decisions, so it must be quick; if it throws, the error is logged and nothing else changes.
   *
   * @example
   * ```ts
   * createSupervisor({ worker, history: { onEntry: (id, e) => { if (e.kind === 'suspended') console.warn(id, 'suspended:', e.cause); } } });
   * ```
   */
  history?: { size?: number; persisted?: number; onEntry?: (accountId: string, entry: HistoryEntry) => void };
}

/** Every default of {@link SupervisorOptions}, in one place. */
export const SUPERVISOR_DEFAULTS = Object.freeze({
  cancelTimeoutMs: 5_000,
  loadTimeoutMs: 10_000,
  shutdownTimeoutMs: 10_000,
  waitTimeoutMs: 30_000,
  jobsPerAccount: Object.freeze({ lanes: Object.freeze({ reply: 1 }) }),
  history: Object.freeze({ size: 200, persisted: 20 }),
});
