import { StatevisorError } from '../errors.js';

/**
 * How fast and how many account tasks may start, fleet-wide (per supervisor). Off unless given.
 *
 * - `startsPerSecond`: the sustained rate. Required.
 * - `burst`: at most this many starts within any one-second window (default: `startsPerSecond`,
 *   rounded up). Starts are paced one every 1/`startsPerSecond` from the first, so `burst` binds
 *   only when it is below `startsPerSecond` (then it is the rate); platforms that watch logins
 *   count per window, so the window is enforced as such.
 * - `maxStarting`: at most this many admitted starts still starting at once (default:
 *   unlimited). Bounds how many logins are in flight when the platform is slow.
 * - `holdUntil`: when a start is over (default `'running'`): when its task is `running`, that is
 *   when its worker is started; or, with `'ready'`, when its worker calls `ctx.ready()`, for
 *   example once its session is registered (the bundled `websocketSession` calls it; the daemon
 *   uses `'ready'`). A start counts toward `maxStarting` until it is over and toward the
 *   one-second window until a second after that, so with `'ready'` the `burst` bound holds for
 *   the logins the platform sees, whatever their connect time. A worker that never calls
 *   `ready()` holds its start until its task leaves `running`: use `'ready'` only with workers
 *   that call it.
 *
 * @example
 * ```ts
 * createSupervisor({ worker, admission: { startsPerSecond: 20, burst: 20, maxStarting: 50 } });
 * ```
 */
export interface AdmissionOptions {
  startsPerSecond: number;
  burst?: number;
  maxStarting?: number;
  holdUntil?: 'running' | 'ready';
}

/** {@link AdmissionOptions} with every default filled in. */
export interface ResolvedAdmission {
  startsPerSecond: number;
  burst: number;
  maxStarting: number;
  holdUntil: 'running' | 'ready';
}

/**
 * Checks admission options and fills in the defaults.
 *
 * @throws StatevisorError `INVALID_OPTIONS` naming the field, for a rate that is not a positive
 * number, a `burst` / `maxStarting` that is not a positive integer, or an unknown `holdUntil`.
 *
 * @example
 * ```ts
 * resolveAdmission({ startsPerSecond: 500 }); // { startsPerSecond: 500, burst: 500, maxStarting: Infinity, holdUntil: 'running' }
 * ```
 */
export function resolveAdmission(options: AdmissionOptions): ResolvedAdmission {
  const { startsPerSecond, burst = Math.ceil(startsPerSecond), maxStarting = Number.POSITIVE_INFINITY, holdUntil = 'running' } = options;
  if (!(typeof startsPerSecond === 'number' && Number.isFinite(startsPerSecond) && startsPerSecond > 0)) {
    throw invalid('startsPerSecond', `must be a positive number of starts per second, got ${String(startsPerSecond)}`);
  }
  if (!(Number.isInteger(burst) && burst >= 1)) throw invalid('burst', `must be a whole number of starts, at least 1, got ${String(burst)}`);
  if (!(maxStarting === Number.POSITIVE_INFINITY || (Number.isInteger(maxStarting) && maxStarting >= 1))) {
    throw invalid('maxStarting', `must be a whole number of tasks, at least 1, got ${String(maxStarting)}`);
  }
  if (holdUntil !== 'running' && holdUntil !== 'ready') throw invalid('holdUntil', `must be 'running' or 'ready', got ${String(holdUntil)}`);
  return { startsPerSecond, burst, maxStarting, holdUntil };
}

function invalid(field: string, what: string): StatevisorError {
  return new StatevisorError('INVALID_OPTIONS', `admission.${field} ${what}.`);
}
