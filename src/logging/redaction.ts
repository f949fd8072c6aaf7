import { pino, type Logger, type LoggerOptions } from 'pino';
import { SECRET_KEYS } from '../secrets/secretKeys.js';
import { errorSerializer } from './errorSerializer.js';
import { redactUrlsInLine } from './redactUrls.js';

// Pino paths are JavaScript accessors: keys that are not identifiers go in brackets.
const accessor = (key: string) => (/^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `["${key}"]`);

/**
 * Keys censored one level down too (`{ session: { token } }`): the common spellings. Every key of
 * the secret list is censored at the top level; one level down only these, because pino runs its
 * wildcard paths over every child logger's bindings, so each `*.` path adds to the cost of every
 * task's logger (measured: 8 wildcard paths ≈ the former 6; all 21 spellings ≈ 2.5× slower).
 * API responses and inspection events mask every spelling at any depth (`toSafeJson`).
 */
export const NESTED_REDACT_KEYS: readonly string[] = Object.freeze(['credentials', 'token', 'password', 'secret', 'apiKey', 'authorization', 'cookie', 'cookies']);

/**
 * Paths pino censors in every statevisor log line: every key of the one secret list
 * (`src/secrets`) at the top level, {@link NESTED_REDACT_KEYS} one level down (pino's `*` matches
 * one key), and the `authorization` and `cookie` headers of a logged request.
 */
export const REDACT_PATHS: readonly string[] = Object.freeze([
  ...SECRET_KEYS.map((key) => accessor(key).replace(/^\./, '')),
  ...NESTED_REDACT_KEYS.map((key) => `*${accessor(key)}`),
  '*.headers.authorization',
  '*.headers.cookie',
]);

const redact = { paths: [...REDACT_PATHS], censor: '[redacted]' };

/** Serializers statevisor's loggers use: `err` as {@link errorSerializer} (class and code; a stack only for unexpected errors). */
export const LOG_SERIALIZERS = Object.freeze({ err: errorSerializer });

/**
 * The pino options of every logger statevisor creates itself (default logger and daemon):
 * secret keys censored, errors serialized by {@link errorSerializer}, and URL secrets
 * (user-info, query) redacted from every string field.
 *
 * @example
 * ```ts
 * const logger = pino(statevisorLoggerOptions({ level: 'debug' }), destination);
 * ```
 */
export function statevisorLoggerOptions(options: { level?: string } = {}): LoggerOptions {
  return {
    name: 'statevisor',
    level: options.level ?? 'info',
    redact,
    serializers: { ...LOG_SERIALIZERS },
    formatters: { log: redactUrlsInLine },
  };
}

/**
 * The logger statevisor uses when none is given: pino to stdout at `info`, with {@link REDACT_PATHS} censored.
 *
 * @example
 * ```ts
 * createSupervisor({ worker, logger: defaultLogger({ level: 'debug' }) });
 * ```
 */
export function defaultLogger(options: { level?: string } = {}): Logger {
  return pino(statevisorLoggerOptions(options));
}

/**
 * A child logger for one account task, bound to `accountId` and `incarnation`. It censors
 * {@link REDACT_PATHS} even when the parent logger (an application's own) does not.
 */
export function taskLogger(parent: Logger, accountId: string, incarnation: number): Logger {
  let redacting = redactingChildren.get(parent);
  if (!redacting) redactingChildren.set(parent, (redacting = parent.child({}, { redact, serializers: { ...LOG_SERIALIZERS } })));
  return redacting.child({ accountId, incarnation });
}

/**
 * Whether a {@link taskLogger} of `parent` would write at `level`, without making one: a task
 * logger costs 3.1–3.7 µs of CPU to make (50,000 made, Node 20; pino serialises its bindings),
 * and a task that fails
 * under a silent logger (a simulation, a benchmark) would make one per incarnation only to drop
 * its warning (2–3 % of a simulated restart's CPU profile).
 *
 * @example
 * ```ts
 * if (taskLogEnabled(logger, 'warn')) taskLogger(logger, 'a', 1).warn('…');
 * ```
 */
export function taskLogEnabled(parent: Logger, level: 'warn' | 'error' | 'info' | 'debug'): boolean {
  return (redactingChildren.get(parent) ?? parent).isLevelEnabled(level);
}

// pino compiles its redaction for every child given `redact` (9 KB and 27 µs per task, measured),
// so each parent gets one redacting child and tasks are plain children of it, which inherit it.
const redactingChildren = new WeakMap<Logger, Logger>();

/** A child logger for the supervisor itself, censoring {@link REDACT_PATHS} like {@link taskLogger}. */
export function supervisorLogger(parent: Logger): Logger {
  return parent.child({ component: 'supervisor' }, { redact, serializers: { ...LOG_SERIALIZERS } });
}
