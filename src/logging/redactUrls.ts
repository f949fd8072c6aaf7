import { redactUrlsIn } from '../secrets/redactUrl.js';

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/**
 * Pino's `formatters.log` for statevisor: every string field of a log line, at the top level and
 * one level down in plain objects, has the secrets of its URLs (user-info, query) redacted, so a
 * `--upstream ws://user:PASS@host/?key=SECRET` is never logged whole, whoever logs it. Errors are
 * left to the `err` serializer. Returns `obj` itself when nothing changed.
 *
 * @example
 * ```ts
 * redactUrlsInLine({ upstream: 'ws://u:p@h/?k=v' }); // { upstream: 'ws://***:***@h/?k=***' }
 * ```
 */
export function redactUrlsInLine(obj: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    const redacted = typeof value === 'string' ? redactUrlsIn(value) : isPlainObject(value) ? redactNested(value) : value;
    if (redacted !== value) (out ??= { ...obj })[key] = redacted;
  }
  return out ?? obj;
}

function redactNested(obj: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    if (typeof value !== 'string') continue;
    const redacted = redactUrlsIn(value);
    if (redacted !== value) (out ??= { ...obj })[key] = redacted;
  }
  return out ?? obj;
}
