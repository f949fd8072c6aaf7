/**
 * `simulateFleet()`: the real supervisor (its machines, runtime, restart decisions, memory store
 * and job runner) run against a simulated platform on a virtual clock. No real timer, socket or
 * file is touched; a simulated day of a 10,000-account fleet takes seconds, and the same inputs
 * always give the same run, down to the trace hash.
 */
import { pino } from 'pino';
import type { Account, AccountInput } from '../account.js';
import { systemClock, type Clock } from '../clock/clock.js';
import { createSupervisor } from '../createSupervisor.js';
import { memoryStore } from '../persistence/memoryStore.js';
import { DEFAULT_RESTART_POLICY, resolveRestartPolicy, type RestartPolicyInput } from '../supervision/restartPolicy.js';
import { SUPERVISOR_DEFAULTS } from '../supervisorOptions.js';
import { runUntilSettled } from './drive.js';
import { SimulationInputError } from './errors.js';
import { resolvePlatformModel, SimulatedPlatform, type PlatformModel, type PlatformModelInput } from './platform.js';
import { randomStream } from './random.js';
import { Recorder } from './recorder.js';
import { buildReport, type FleetReport } from './report.js';
import { VirtualClock } from './virtualClock.js';

/** What to simulate. */
export interface SimulateFleetOptions {
  /** Seed of everything random: the platform's faults, connect times, and the backoff jitter. */
  seed: number;
  /** How many accounts (ids `acct-00001`…), or the accounts themselves (their `restart` overrides apply). */
  accounts: number | readonly AccountInput[];
  /** The supervisor's restart policy (any subset; the rest is `DEFAULT_RESTART_POLICY`), as the daemon's `restart` setting. */
  policy?: RestartPolicyInput;
  /** Simulated time to run, in milliseconds. */
  durationMs: number;
  /** What the platform does; see `PlatformModel`. Default: a quiet platform. */
  platform?: PlatformModelInput;
  /** The supervisor's `cancelTimeoutMs` (default 5000): a worker slower to cancel leaks. */
  cancelTimeoutMs?: number;
  /** Keep every decision of every account in the report (`decisions`). Default false. */
  keepDecisions?: boolean;
  /** Called after each simulated hour with the simulated time reached. */
  onProgress?: (atMs: number) => void;
  /**
   * Run on the real clock instead (`durationMs` of real time), to check the simulation against
   * real time: the same platform schedule and supervisor, with timers that really wait. For small
   * fleets and short, scaled-down runs only.
   */
  realTime?: boolean;
}

const HOUR_MS = 3_600_000;

/**
 * Runs a whole fleet under the real supervisor on a virtual clock and reports what happened.
 *
 * @example
 * ```ts
 * const report = await simulateFleet({
 *   seed: 7,
 *   accounts: 10_000,
 *   durationMs: 24 * 3_600_000,
 *   policy: { intensity: { maxRestarts: 22, withinMs: 900_000 } },
 *   platform: { outages: [{ atMs: 2 * 3_600_000, durationMs: 300_000 }], crashesPerHour: 0.01 },
 * });
 * console.log(report.trace, report.restarts.p99, report.suspended.total, report.outages[0]?.allBackAfterMs);
 * ```
 */
export async function simulateFleet(options: SimulateFleetOptions): Promise<FleetReport> {
  const started = performance.now();
  const accounts = checkOptions(options);
  const platformModel = checkPlatform(resolvePlatformModel(options.platform), options.durationMs);
  const accountIds = accounts.map((a) => a.id);
  const virtual = new VirtualClock(0);
  const clock = options.realTime ? realClockFromNow() : virtual;
  const recorder = new Recorder({
    accountIds,
    durationMs: options.durationMs,
    outages: platformModel.outages.length,
    now: () => clock.now(),
    keepDecisions: options.keepDecisions ?? false,
  });
  const platform = new SimulatedPlatform(platformModel, { seed: options.seed, accountIds, clock, durationMs: options.durationMs, observer: recorder.platform });
  const policy = resolveRestartPolicy(DEFAULT_RESTART_POLICY, options.policy);
  const supervisor = createSupervisor({
    worker: platform.worker,
    store: memoryStore(accounts),
    restart: policy,
    clock,
    random: randomStream(options.seed, 'jitter'),
    logger: pino({ level: 'silent' }),
    inspect: recorder.inspect,
    cancelTimeoutMs: options.cancelTimeoutMs ?? SUPERVISOR_DEFAULTS.cancelTimeoutMs,
  });
  platform.start();
  recorder.command('start', accounts.length);
  if (options.realTime) {
    await supervisor.start();
    await new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, options.durationMs - clock.now())));
    recorder.command('shutdown');
    await supervisor.shutdown();
  } else {
    await runUntilSettled(virtual, supervisor.start(), 'the supervisor to start', { realTurns: Math.ceil(accounts.length / 1000) + 4 });
    for (let at = HOUR_MS; ; at += HOUR_MS) {
      const until = Math.min(at, options.durationMs);
      await virtual.runUntil(until);
      options.onProgress?.(until);
      if (until >= options.durationMs) break;
    }
    recorder.command('shutdown');
    await runUntilSettled(virtual, supervisor.shutdown(), 'the supervisor to shut down');
  }
  const leakedAtShutdown = platform.stillAlive().map((index) => accountIds[index]!);
  return buildReport({
    seed: options.seed,
    accountIds,
    durationMs: options.durationMs,
    policy,
    platform: platformModel,
    recorder,
    leakedAtShutdown,
    wallMs: Math.round(performance.now() - started),
    timersFired: virtual.fired,
  });
}

/** The system clock, with `now()` counted from this call, so times in the report are from the start. */
function realClockFromNow(): Clock {
  const start = systemClock.now();
  return { now: () => systemClock.now() - start, setTimeout: systemClock.setTimeout, clearTimeout: systemClock.clearTimeout };
}

function checkOptions(options: SimulateFleetOptions): Account[] {
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
  const shares: [string, number][] = [['platform.rejectShare', model.rejectShare], ['platform.banShare', model.banShare], ['platform.cancel.slowShare', model.cancel.slowShare]];
  for (const [field, share] of shares) if (!(share >= 0 && share <= 1)) throw new SimulationInputError(field, `must be between 0 and 1 (got ${share})`);
  if (!(model.crashesPerHour >= 0)) throw new SimulationInputError('platform.crashesPerHour', `must be 0 or more (got ${model.crashesPerHour})`);
  const { medianMs, p99Ms } = model.connectLatency;
  if (!(medianMs >= 1 && p99Ms >= medianMs)) throw new SimulationInputError('platform.connectLatency', 'needs medianMs ≥ 1 and p99Ms ≥ medianMs');
  return model;
}
