/**
 * The simulated platform: what the remote side does to a fleet over a run, drawn from a seed.
 *
 * - **Outages**: from `atMs` for `durationMs`, a share of the accounts (chosen by the seed) loses
 *   its session at once, and every connect attempt of those accounts fails until it ends.
 * - **Crashes**: a connected session dies at random, `crashesPerHour` per account (a Poisson
 *   process), as a dropped connection does.
 * - **Credential rejections and bans**: a share of accounts has its credentials revoked (or is
 *   banned) at a random moment of the run; the live session ends and every later connect fails
 *   with a non-retryable error (`CREDENTIALS_REJECTED`, `ACCOUNT_BANNED`).
 * - **Connect latency**: each attempt takes a log-normal time given by its median and p99.
 * - **Slow cancellation**: most workers settle a few milliseconds after their signal aborts; a
 *   share takes `slowCancel.delayMs`, longer than the supervisor's `cancelTimeoutMs` if you want
 *   leaks.
 *
 * Everything an account does is drawn from its own random stream (see `random.ts`), in the order
 * of its own events, so the same seed gives each account the same fate whatever the interleaving.
 */
import { AccountBannedError, ConnectError, CredentialsRejectedError, SessionClosedError } from '../sessions/errors.js';
import type { WorkerContext } from '../worker/worker.js';
import { exponentialMs, randomStream, type Random } from './random.js';

/** One platform outage. */
export interface Outage {
  /** When it begins, in milliseconds from the start of the run. */
  atMs: number;
  durationMs: number;
  /** Share of the accounts it hits, 0 to 1. Default 1 (all). */
  share?: number;
}

/** The platform's behaviour over a run. Every field has a default, see {@link PLATFORM_DEFAULTS}. */
export interface PlatformModel {
  outages: readonly Outage[];
  /** Crashes per connected account per hour. */
  crashesPerHour: number;
  /** Share of accounts whose credentials are revoked at a random moment of the run. */
  rejectShare: number;
  /** Share of accounts banned at a random moment of the run. */
  banShare: number;
  /** Connect latency, log-normal: median and 99th percentile in milliseconds. */
  connectLatency: { medianMs: number; p99Ms: number };
  /** How long a worker takes to settle after its signal aborts: most within `fastMs`, `share` of the accounts take `delayMs`. */
  cancel: { fastMs: number; slowShare: number; slowDelayMs: number };
}

/** The defaults of {@link PlatformModel}: a quiet platform with realistic connect times. */
export const PLATFORM_DEFAULTS: PlatformModel = Object.freeze({
  outages: Object.freeze([]),
  crashesPerHour: 0,
  rejectShare: 0,
  banShare: 0,
  connectLatency: Object.freeze({ medianMs: 300, p99Ms: 2_000 }),
  cancel: Object.freeze({ fastMs: 20, slowShare: 0, slowDelayMs: 30_000 }),
});

/** A {@link PlatformModel} with any field left out. */
export type PlatformModelInput = Partial<Omit<PlatformModel, 'connectLatency' | 'cancel'>> & {
  connectLatency?: Partial<PlatformModel['connectLatency']>;
  cancel?: Partial<PlatformModel['cancel']>;
};

/** Fills in the defaults of a {@link PlatformModelInput}. */
export function resolvePlatformModel(input: PlatformModelInput = {}): PlatformModel {
  return {
    outages: input.outages ?? PLATFORM_DEFAULTS.outages,
    crashesPerHour: input.crashesPerHour ?? PLATFORM_DEFAULTS.crashesPerHour,
    rejectShare: input.rejectShare ?? PLATFORM_DEFAULTS.rejectShare,
    banShare: input.banShare ?? PLATFORM_DEFAULTS.banShare,
    connectLatency: { ...PLATFORM_DEFAULTS.connectLatency, ...input.connectLatency },
    cancel: { ...PLATFORM_DEFAULTS.cancel, ...input.cancel },
  };
}

/** The clock the platform runs on (the supervisor's `Clock` shape). */
export interface PlatformClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What the platform tells its observer. */
export interface PlatformObserver {
  /** A worker began a connect attempt; `first` for the account's first attempt of the run. */
  connectAttempt?(index: number, first: boolean): void;
  /** The number of connected sessions changed. */
  connectedChanged?(index: number, connected: number, up: boolean): void;
  /** Outage `k` began (`dropped`: accounts whose live session it ended) or ended. */
  outage?(k: number, phase: 'start' | 'end', dropped: readonly number[]): void;
}

const HOUR_MS = 3_600_000;
const Z99 = 2.326_347_874;

// One error object per kind, thrown again and again: a run throws hundreds of thousands, and each
// new Error would capture a stack nobody reads. The supervisor copies what it needs (message, code).
function stackless<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
const ERRORS = {
  outage: stackless(() => new ConnectError('simulated platform outage')),
  dropped: stackless(() => new SessionClosedError(1006, 'simulated platform outage')),
  crash: stackless(() => new SessionClosedError(1006, 'simulated crash')),
  rejected: stackless(() => new CredentialsRejectedError()),
  banned: stackless(() => new AccountBannedError()),
};

interface Session {
  readonly index: number;
  connected: boolean;
  timer: unknown;
  fail: (error: unknown) => void;
}

interface SimAccount {
  readonly index: number;
  readonly random: Random;
  /** When its credentials are revoked / it is banned (Infinity: never). */
  readonly rejectAt: number;
  readonly banAt: number;
  readonly slowCancel: boolean;
  /** For each outage, whether it hits this account. */
  readonly hitBy: readonly boolean[];
  attempts: number;
  session: Session | undefined;
  /** Workers of this account running now (called and not settled), and the most ever at once. */
  alive: number;
  maxAlive: number;
}

/**
 * The simulated platform for one run: holds each account's fate and hands out the worker the
 * supervisor runs. Start it (`start()`) on the run's clock before the first timer fires.
 *
 * @example
 * ```ts
 * const platform = new SimulatedPlatform(resolvePlatformModel({ crashesPerHour: 0.5 }), { seed: 7, accountIds, clock, durationMs });
 * platform.start();
 * createSupervisor({ worker: platform.worker, clock, store: memoryStore(accounts) });
 * ```
 */
export class SimulatedPlatform {
  readonly model: PlatformModel;
  readonly #clock: PlatformClock;
  readonly #accounts: SimAccount[];
  readonly #byId = new Map<string, SimAccount>();
  readonly #observer: PlatformObserver;
  readonly #outageEnds: number[];
  #connected = 0;
  #alive = 0;

  constructor(model: PlatformModel, options: { seed: number; accountIds: readonly string[]; clock: PlatformClock; durationMs: number; observer?: PlatformObserver }) {
    this.model = model;
    this.#clock = options.clock;
    this.#observer = options.observer ?? {};
    this.#outageEnds = model.outages.map((o) => o.atMs + o.durationMs);
    const outagePicks = model.outages.map((_, k) => randomStream(options.seed, 'outage', k));
    const fates = randomStream(options.seed, 'fates');
    this.#accounts = options.accountIds.map((id, index) => {
      // Fates are drawn in account order from one stream, so adding an account changes no other's.
      const rejectRoll = fates();
      const rejectWhen = fates();
      const banRoll = fates();
      const banWhen = fates();
      const slowRoll = fates();
      const account: SimAccount = {
        index,
        random: randomStream(options.seed, 'account', index),
        rejectAt: rejectRoll < model.rejectShare ? Math.floor(rejectWhen * options.durationMs) : Infinity,
        banAt: banRoll < model.banShare ? Math.floor(banWhen * options.durationMs) : Infinity,
        slowCancel: slowRoll < model.cancel.slowShare,
        hitBy: model.outages.map((o, k) => outagePicks[k]!() < (o.share ?? 1)),
        attempts: 0,
        session: undefined,
        alive: 0,
        maxAlive: 0,
      };
      this.#byId.set(id, account);
      return account;
    });
  }

  /** Schedules the outages. Call once, before the run's clock moves. */
  start(): void {
    this.model.outages.forEach((outage, k) => {
      this.#clock.setTimeout(() => this.#beginOutage(k), outage.atMs);
      this.#clock.setTimeout(() => this.#observer.outage?.(k, 'end', []), outage.atMs + outage.durationMs);
    });
  }

  /** Sessions connected now. */
  get connected(): number {
    return this.#connected;
  }

  /** Workers running now (called and not yet settled), all accounts. */
  get alive(): number {
    return this.#alive;
  }

  /**
   * Ends the live session of `accountId` now, as a dropped connection (a retryable
   * `SESSION_CLOSED`). Returns false if it had none. For tests that inject faults one by one.
   */
  drop(accountId: string): boolean {
    const session = this.#byId.get(accountId)?.session;
    if (!session?.connected) return false;
    session.fail(ERRORS.crash);
    return true;
  }

  /** Account indexes with a worker still running (after a shutdown: the ones that ignored cancellation). */
  stillAlive(): number[] {
    return this.#accounts.filter((a) => a.alive > 0).map((a) => a.index);
  }

  /** Account indexes that ever had two workers alive at once (the supervisor promises none). */
  doubled(): number[] {
    return this.#accounts.filter((a) => a.maxAlive > 1).map((a) => a.index);
  }

  /** Whether account `index` is in an outage that hits it at `time`. */
  inOutage(index: number, time: number): boolean {
    const account = this.#accounts[index]!;
    const outages = this.model.outages;
    for (let k = 0; k < outages.length; k++) {
      if (account.hitBy[k] && time >= outages[k]!.atMs && time < this.#outageEnds[k]!) return true;
    }
    return false;
  }

  /** The worker every account runs: connect, stay connected until the platform ends the session or the signal aborts. */
  readonly worker = (ctx: WorkerContext): Promise<void> => {
    const account = this.#byId.get(ctx.account.id);
    if (!account) return Promise.reject(new Error(`simulated platform: unknown account ${ctx.account.id}`));
    return this.#run(account, ctx.signal);
  };

  #run(account: SimAccount, signal: AbortSignal): Promise<void> {
    const clock = this.#clock;
    const first = account.attempts === 0;
    account.attempts += 1;
    this.#observer.connectAttempt?.(account.index, first);
    account.alive += 1;
    this.#alive += 1;
    if (account.alive > account.maxAlive) account.maxAlive = account.alive;
    const settled = () => {
      account.alive -= 1;
      this.#alive -= 1;
    };
    return new Promise<void>((resolve, reject) => {
      const session: Session = { index: account.index, connected: false, timer: undefined, fail: () => {} };
      const end = () => {
        if (session.timer !== undefined) clock.clearTimeout(session.timer);
        session.timer = undefined;
        if (account.session === session) account.session = undefined;
        if (session.connected) {
          session.connected = false;
          this.#connected -= 1;
          this.#observer.connectedChanged?.(account.index, this.#connected, false);
        }
        signal.removeEventListener('abort', onAbort);
      };
      session.fail = (error) => {
        end();
        settled();
        reject(error);
      };
      const onAbort = () => {
        end();
        // Most workers close their socket in a few milliseconds; the slow ones hold on.
        const delay = account.slowCancel ? this.model.cancel.slowDelayMs : Math.floor(account.random() * this.model.cancel.fastMs);
        clock.setTimeout(() => {
          settled();
          resolve();
        }, delay);
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      account.session = session;
      session.timer = clock.setTimeout(() => this.#connectDone(account, session), this.#latency(account.random));
    });
  }

  #connectDone(account: SimAccount, session: Session): void {
    session.timer = undefined;
    const now = this.#clock.now();
    if (now >= account.banAt) return session.fail(ERRORS.banned);
    if (now >= account.rejectAt) return session.fail(ERRORS.rejected);
    if (this.inOutage(account.index, now)) return session.fail(ERRORS.outage);
    session.connected = true;
    this.#connected += 1;
    this.#observer.connectedChanged?.(account.index, this.#connected, true);
    const crashIn = exponentialMs(account.random, this.model.crashesPerHour / HOUR_MS);
    const revokeIn = Math.min(account.rejectAt, account.banAt) - now;
    const next = Math.min(crashIn, revokeIn);
    if (!Number.isFinite(next)) return;
    session.timer = this.#clock.setTimeout(() => {
      session.timer = undefined;
      const t = this.#clock.now();
      session.fail(t >= account.banAt ? ERRORS.banned : t >= account.rejectAt ? ERRORS.rejected : ERRORS.crash);
    }, Math.max(0, Math.floor(next)));
  }

  #beginOutage(k: number): void {
    const dropped: number[] = [];
    for (const account of this.#accounts) {
      if (!account.hitBy[k]) continue;
      const session = account.session;
      if (!session?.connected) continue;
      dropped.push(account.index);
      session.fail(ERRORS.dropped);
    }
    this.#observer.outage?.(k, 'start', dropped);
  }

  /** A log-normal connect time with the model's median and p99 (Box–Muller). */
  #latency(random: Random): number {
    const { medianMs, p99Ms } = this.model.connectLatency;
    if (p99Ms <= medianMs) return medianMs;
    const sigma = Math.log(p99Ms / medianMs) / Z99;
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.max(1, Math.round(medianMs * Math.exp(sigma * z)));
  }
}
