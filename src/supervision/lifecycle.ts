import type { Actor } from 'xstate';
import { ShuttingDownError } from '../errors.js';
import type { supervisorMachine } from '../machines/supervisor.js';
import type { JobRunner } from '../jobs/runner.js';
import type { AccountStore } from '../persistence/accountStore.js';
import type { Runtime } from './runtime.js';
import { emptyStats, type ShutdownStats } from './shutdownStats.js';
import { withTimeout } from '../withTimeout.js';
import type { Clock } from '../clock/clock.js';

/** The longest delay a Node timer can wait (2^31 - 1 ms); longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The supervisor's own start and stop around the root actor: `start()` once, `shutdown()` once
 * (later calls get the same promise), and `done` for whoever needs to know it stopped, including
 * by escalation. Closing the store is the last step of every stop.
 */
export class Lifecycle {
  readonly done: Promise<ShutdownStats>;
  #resolveDone!: (stats: ShutdownStats) => void;
  #started: Promise<void> | undefined;
  #shutdown: Promise<ShutdownStats> | undefined;
  #deadline = 0;
  readonly #runtime: Runtime;
  readonly #actor: Actor<typeof supervisorMachine>;
  readonly #openStore: () => Promise<AccountStore>;
  readonly #jobs: JobRunner;
  #storeOpened = false;
  #closing: Promise<void> | undefined;
  #actorStarted = false;

  get #clock(): Clock {
    return this.#runtime.options.clock;
  }

  constructor(runtime: Runtime, actor: Actor<typeof supervisorMachine>, openStore: () => Promise<AccountStore>, jobs: JobRunner) {
    this.#runtime = runtime;
    this.#actor = actor;
    this.#openStore = openStore;
    this.#jobs = jobs;
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
    actor.subscribe({ complete: () => void this.#onStopped() });
  }

  start(): Promise<void> {
    this.#started ??= this.#start();
    return this.#started;
  }

  async #start(): Promise<void> {
    if (this.#shutdown) throw new ShuttingDownError();
    this.#runtime.options.store = await this.#openStore();
    this.#storeOpened = true;
    if (this.#shutdown) {
      await this.#close();
      throw new ShuttingDownError();
    }
    return new Promise<void>((resolve, reject) => {
      const sub = this.#actor.subscribe((snapshot) => {
        if (snapshot.value === 'running') resolve();
        else if (snapshot.status === 'done' || snapshot.value === 'shuttingDown') {
          const startError: unknown = snapshot.context.startError;
          reject(startError ?? new ShuttingDownError());
        } else return;
        sub.unsubscribe();
      });
      this.#actorStarted = true;
      this.#actor.start();
    });
  }

  /** `timeoutMs` is clamped to what a timer can wait (0 to about 24.8 days); NaN means 0. */
  shutdown(timeoutMs: number): Promise<ShutdownStats> {
    this.#shutdown ??= this.#beginShutdown(Math.min(Math.max(Number.isNaN(timeoutMs) ? 0 : timeoutMs, 0), MAX_TIMER_MS));
    return this.#shutdown;
  }

  async #beginShutdown(timeoutMs: number): Promise<ShutdownStats> {
    this.#deadline = this.#clock.now() + timeoutMs;
    if (!this.#actorStarted) {
      // Never started, or still opening the store: #start sees the shutdown, closes the store and
      // rejects; `done` resolves only after that, so the store's lock is released by then.
      this.#runtime.phase = 'stopped';
      await this.#started?.catch(() => undefined);
      await this.#close();
      this.#resolveDone(emptyStats());
    } else if (this.#actor.getSnapshot().status === 'active') {
      this.#actor.send({ type: 'SHUTDOWN', timeoutMs });
    }
    return this.done;
  }

  async #onStopped(): Promise<void> {
    const output = this.#actor.getSnapshot().output;
    if (!this.#deadline) this.#deadline = this.#clock.now();
    await this.#close();
    this.#resolveDone(output?.stats ?? emptyStats());
  }

  #close(): Promise<void> {
    return (this.#closing ??= this.#closeOnce());
  }

  // The job runner, supervision writes and the store's close each get what is left of the
  // deadline, at least 250 ms: acknowledged commands are already durable, so this only flushes
  // supervision state. Never rejects.
  async #closeOnce(): Promise<void> {
    const log = this.#runtime.log;
    const clock = this.#clock;
    const left = () => Math.max(this.#deadline - clock.now(), 250);
    const jobs = await withTimeout(this.#jobs.shutdown({ timeoutMs: left() }), left() + 250, clock);
    if (!jobs.ok) log.error({ err: jobs.error }, 'stopping the job runner failed');
    else if (jobs.value.abandoned > 0) log.warn(jobs.value, `${jobs.value.abandoned} jobs ignored cancellation at shutdown`);
    const flushed = await withTimeout(this.#runtime.flushWrites(), left(), clock);
    if (!flushed.ok) log.error('supervision state writes did not finish in time');
    if (!this.#storeOpened) return;
    const closed = await withTimeout(this.#runtime.options.store.close(), left(), clock);
    if (!closed.ok) log.error({ err: closed.error }, 'closing the account store failed or timed out');
  }
}
