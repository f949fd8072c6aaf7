import { pino } from 'pino';

/**
 * What the job runner logs through: a pino `Logger` fits, and so does a small test double.
 *
 * @example
 * ```ts
 * const warnings: string[] = [];
 * const logger: JobLogger = { warn: (_obj, msg) => warnings.push(msg), debug: () => {} };
 * ```
 */
export interface JobLogger {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

let fallback: JobLogger | undefined;

/**
 * The logger used when none is given: pino at level `warn`, writing to stderr. Created on first use. @internal
 *
 * @example
 * ```ts
 * const log = options.logger ?? defaultJobLogger();
 * ```
 */
export function defaultJobLogger(): JobLogger {
  fallback ??= pino({ name: 'statevisor.jobs', level: 'warn' }, pino.destination({ dest: 2, sync: true }));
  return fallback;
}
