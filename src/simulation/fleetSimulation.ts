/**
 * A fleet under simulation, assembled and not yet run: the virtual clock, the seeded platform,
 * the real supervisor wired to both, and the recorder listening to all of it. `simulateFleet()`
 * runs one for a duration; tests and the replay script drive one command by command.
 */
import { pino } from 'pino';
import type { Account, AccountInput } from '../account.js';
import type { Clock } from '../clock/clock.js';
import { createSupervisor, type Supervisor } from '../createSupervisor.js';
import { memoryStore } from '../persistence/memoryStore.js';
import { DEFAULT_RESTART_POLICY, resolveRestartPolicy, type RestartPolicy, type RestartPolicyInput } from '../supervision/restartPolicy.js';
import { SUPERVISOR_DEFAULTS } from '../supervisorOptions.js';
import { runUntilSettled } from './drive.js';
import { SimulationInputError } from './errors.js';
import { resolvePlatformModel, SimulatedPlatform, type PlatformModel, type PlatformModelInput } from './platform.js';
import { randomStream } from './random.js';
import { Recorder } from './recorder.js';
import { buildReport, type FleetReport } from './report.js';
import { mergeRuns, type RunRecord } from './runRecord.js';
import { VirtualClock } from './virtualClock.js';

/** The fleet, policy and platform of a simulation. */
export interface FleetSimulationOptions {
  /** Seed of everything random: the platform's faults, connect times, and the backoff jitter. */
  seed: number;
  /** How many accounts (ids `acct-00001`…), or the accounts themselves (their `restart` overrides apply). */
  accounts: number | readonly AccountInput[];
  /** The supervisor's restart policy (any subset; the rest is `DEFAULT_RESTART_POLICY`), as the daemon's `restart` setting. */
  policy?: RestartPolicyInput;
  /** Simulated time the run covers, in milliseconds (outages must end within it). */
  durationMs: number;
  /** What the platform does; see `PlatformModel`. Default: a quiet platform. */
  platform?: PlatformModelInput;
  /** The supervisor's `cancelTimeoutMs` (default 5000): a worker slower to cancel leaks. */
  cancelTimeoutMs?: number;
  /** Keep every decision of every account in the report (`decisions`). Default false. */
  keepDecisions?: boolean;
}

/** An assembled simulation; see {@link createFleetSimulation}. */
export interface FleetSimulation {
  /** The virtual clock (unused when the simulation was made with another clock). */
  readonly clock: VirtualClock;
  /** The real supervisor, on the simulation's clock, not started. */
  readonly supervisor: Supervisor;
  readonly platform: SimulatedPlatform;
  readonly recorder: Recorder;
  readonly accountIds: readonly string[];
  readonly policy: RestartPolicy;
  readonly model: PlatformModel;
  /** The simulation's time. */
  now(): number;
  /** Moves the virtual clock until `promise` settles; see `runUntilSettled`. */
  settle<T>(promise: Promise<T>, what: string): Promise<T>;
  /** The report of the run so far (call once, at the end), with the real and CPU time it took. */
  report(time: { wallMs: number; cpuMs: number }): FleetReport;
  /** What this part observed, for `mergeRuns()` (call once, at the end, instead of `report`). */
  record(): PartRecord;
}

/** Which part of the fleet a simulation runs: accounts whose index modulo `count` is `index`. */
export interface FleetPart {
  index: number;
  count: number;
}

/** What one part of a fleet simulation hands back. */
export interface PartRecord {
  run: RunRecord;
  leakedAtShutdown: string[];
  timersFired: number;
}

/**
 * Assembles a fleet simulation: checks the options (`SimulationInputError` names the field),
 * starts the platform's schedule on the clock, and creates the supervisor (not started).
 *
 * @example
 * ```ts
 * const sim = createFleetSimulation({ seed: 1, accounts: 100, durationMs: 3_600_000 });
 * await sim.settle(sim.supervisor.start(), 'start');
 * await sim.clock.runUntil(600_000);
 * await sim.settle(sim.supervisor.restart('acct-00001'), 'restart');
 * ```
 */
export function createFleetSimulation(options: FleetSimulationOptions, clockOverride?: Clock, part?: FleetPart): FleetSimulation {
  const fleet = resolveFleet(options);
  const { accounts, accountIds, model, policy } = fleet;
  // A part supervises every `count`-th account; the platform and the recorder know the whole fleet,
  // so every account draws the same numbers and keeps its index whichever part runs it.
  const supervised = part ? accounts.filter((_, i) => i % part.count === part.index) : accounts;
  const virtual = new VirtualClock(0);
  const clock: Clock = clockOverride ?? virtual;
  const recorder = new Recorder({ accountIds, durationMs: options.durationMs, outages: model.outages.length, now: () => clock.now(), keepDecisions: options.keepDecisions ?? false });
  const platform = new SimulatedPlatform(model, { seed: options.seed, accountIds, clock, durationMs: options.durationMs, observer: recorder.platform });
  const supervisor = createSupervisor({
    worker: platform.worker,
    store: memoryStore(supervised),
    restart: policy,
    clock,
    random: jitterPerAccount(options.seed, accountIds),
    logger: pino({ level: 'silent' }),
    history: { onEntry: recorder.entry },
    cancelTimeoutMs: options.cancelTimeoutMs ?? SUPERVISOR_DEFAULTS.cancelTimeoutMs,
  });
  // Owned by the root actor: the subscription ends when it stops.
  supervisor.actor.subscribe((snapshot) => recorder.rootState(snapshot.value));
  platform.start();
  const record = (): PartRecord => ({ run: recorder.record(), leakedAtShutdown: platform.stillAlive().map((index) => accountIds[index]!), timersFired: virtual.fired });
  return {
    clock: virtual,
    supervisor,
    platform,
    recorder,
    accountIds,
    policy,
    model,
    now: () => clock.now(),
    // A large start yields to the event loop every 1,000 accounts; those turns run at time 0.
    settle: (promise, what) => runUntilSettled(virtual, promise, what, { realTurns: Math.ceil(supervised.length / 1000) + 4 }),
    record,
    report: (time) => reportOf(options, fleet, [record()], time),
  };
}

/** A fleet simulation's options checked and resolved (`SimulationInputError` names a bad field). */
export interface ResolvedFleet {
  accounts: Account[];
  accountIds: string[];
  model: PlatformModel;
  policy: RestartPolicy;
}

/** Checks and resolves a simulation's options, as `createFleetSimulation()` does first. */
export function resolveFleet(options: FleetSimulationOptions): ResolvedFleet {
  const accounts = checkOptions(options);
  const model = checkPlatform(resolvePlatformModel(options.platform), options.durationMs);
  return { accounts, accountIds: accounts.map((a) => a.id), model, policy: resolveRestartPolicy(DEFAULT_RESTART_POLICY, options.policy) };
}

/**
 * The report of a fleet from the records of its parts (one record: the fleet run whole), with the
 * real and CPU time the run took.
 */
export function reportOf(options: FleetSimulationOptions, fleet: ResolvedFleet, records: readonly PartRecord[], time: { wallMs: number; cpuMs: number }): FleetReport {
  // Every part's clock fired the platform's outage edges (a start and an end per outage); the
  // whole fleet's would have fired them once.
  const shared = 2 * fleet.model.outages.length * (records.length - 1);
  return buildReport({
    seed: options.seed,
    accountIds: fleet.accountIds,
    durationMs: options.durationMs,
    policy: fleet.policy,
    platform: fleet.model,
    run: mergeRuns(records.map((r) => r.run), fleet.accountIds),
    leakedAtShutdown: records.flatMap((r) => r.leakedAtShutdown),
    ...time,
    timersFired: records.reduce((sum, r) => sum + r.timersFired, 0) - shared,
    threads: records.length,
  });
}

/**
 * Backoff jitter with one seeded stream per account: an account's delays depend on its own
 * failures only, not on how other accounts' events interleave with them (which differs when the
 * fleet runs in parts).
 */
function jitterPerAccount(seed: number, accountIds: readonly string[]): (accountId: string) => number {
  const index = new Map(accountIds.map((id, i) => [id, i]));
  const streams = new Map<string, () => number>();
  return (accountId) => {
    let stream = streams.get(accountId);
    if (!stream) streams.set(accountId, (stream = randomStream(seed, 'jitter', index.get(accountId) ?? -1)));
    return stream();
  };
}

function checkOptions(options: FleetSimulationOptions): Account[] {
  if (!Number.isSafeInteger(options.seed)) throw new SimulationInputError('seed', `must be a whole number (got ${String(options.seed)})`);
  if (!(Number.isFinite(options.durationMs) && options.durationMs > 0)) {
    throw new SimulationInputError('durationMs', `must be a positive number of milliseconds (got ${String(options.durationMs)})`);
  }
  if (typeof options.accounts === 'number') {
    if (!Number.isSafeInteger(options.accounts) || options.accounts < 1) {
      throw new SimulationInputError('accounts', `must be a whole number of at least 1 (got ${String(options.accounts)})`);
    }
    const width = Math.max(5, String(options.accounts).length);
    return Array.from({ length: options.accounts }, (_, i) => ({ id: `acct-${String(i + 1).padStart(width, '0')}`, enabled: true, settings: {} }));
  }
  if (options.accounts.length === 0) throw new SimulationInputError('accounts', 'must name at least one account');
  return options.accounts.map((a) => ({ enabled: true, settings: {}, ...a }));
}

function checkPlatform(model: PlatformModel, durationMs: number): PlatformModel {
  model.outages.forEach((o, k) => {
    const field = `platform.outages[${k}]`;
    if (!(o.atMs >= 0 && o.durationMs > 0)) throw new SimulationInputError(field, 'needs atMs ≥ 0 and durationMs > 0');
    if (o.atMs + o.durationMs > durationMs) {
      throw new SimulationInputError(field, `ends at ${o.atMs + o.durationMs} ms, after the run ends (${durationMs} ms); shorten it or run longer`);
    }
    if (o.share !== undefined && !(o.share > 0 && o.share <= 1)) throw new SimulationInputError(field, 'share must be above 0 and at most 1');
  });
  const shares: [string, number][] = [
    ['platform.rejectShare', model.rejectShare],
    ['platform.banShare', model.banShare],
    ['platform.cancel.slowShare', model.cancel.slowShare],
  ];
  for (const [field, share] of shares) if (!(share >= 0 && share <= 1)) throw new SimulationInputError(field, `must be between 0 and 1 (got ${share})`);
  if (!(model.crashesPerHour >= 0)) throw new SimulationInputError('platform.crashesPerHour', `must be 0 or more (got ${model.crashesPerHour})`);
  const { medianMs, p99Ms } = model.connectLatency;
  if (!(medianMs >= 1 && p99Ms >= medianMs)) throw new SimulationInputError('platform.connectLatency', 'needs medianMs ≥ 1 and p99Ms ≥ medianMs');
  return model;
}
