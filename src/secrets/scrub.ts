/**
 * Defensive scrubbing of secrets from anything statevisor sends out of the process (inspection
 * events, API responses, the live stream). The supervisor already keeps credentials out of
 * snapshots and statuses; this is the second line: any key that names a secret is masked,
 * however deep, whatever a worker put into its `report()`.
 */

import { isSecretKey } from './secretKeys.js';

export { SECRET_KEY_PATTERN } from './secretKeys.js';

/** What a masked value becomes. */
export const MASK = '***';

/** Deepest level {@link toSafeJson} copies; deeper values become `"[depth]"`. Matches @statelyai/inspect's default depth limit. */
export const SAFE_JSON_DEPTH = 10;

/**
 * A `JSON.stringify` replacer that masks secret keys. Cheap: one regex test per key.
 *
 * @example
 * ```ts
 * JSON.stringify({ id: 'a', token: 't' }, scrubReplacer); // '{"id":"a","token":"***"}'
 * ```
 */
export function scrubReplacer(key: string, value: unknown): unknown {
  if (key !== '' && value !== undefined && isSecretKey(key)) return MASK;
  return value;
}

/**
 * Copies `value` into plain JSON data that `JSON.stringify` can always serialise: secret keys
 * masked, cycles cut (`"[circular]"`), depth limited to {@link SAFE_JSON_DEPTH}, `toJSON()`
 * honoured, functions turned into `{ type: name }` (as @statelyai/inspect does), bigints into
 * strings, errors into `{ name, message, code? }`. Only own enumerable properties are read, so
 * getters on prototypes (a worker handle's logger) are never called.
 *
 * @example
 * ```ts
 * const a: Record<string, unknown> = { password: 'x' }; a.self = a;
 * toSafeJson(a); // { password: '***', self: '[circular]' }
 * ```
 */
export function toSafeJson(value: unknown): unknown {
  return copy(value, 0, new Set());
}

function copy(value: unknown, depth: number, ancestors: Set<object>): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function') return { type: value.name };
  if (typeof value !== 'object') return undefined; // undefined, symbol
  if (ancestors.has(value)) return '[circular]';
  if (depth >= SAFE_JSON_DEPTH) return '[depth]';
  ancestors.add(value);
  try {
    return copyObject(value, depth, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function copyObject(value: object, depth: number, ancestors: Set<object>): unknown {
  const withToJson = value as { toJSON?: unknown };
  if (typeof withToJson.toJSON === 'function') {
    const json: unknown = (withToJson.toJSON as () => unknown).call(value);
    return json === value ? copyEntries(value, depth, ancestors) : copy(json, depth + 1, ancestors);
  }
  if (value instanceof Error) return errorJson(value);
  if (Array.isArray(value)) return value.map((item) => copy(item, depth + 1, ancestors) ?? null);
  return copyEntries(value, depth, ancestors);
}

function copyEntries(value: object, depth: number, ancestors: Set<object>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (isSecretKey(key)) {
      if (item !== undefined) put(out, key, MASK);
      continue;
    }
    const copied = copy(item, depth + 1, ancestors);
    if (copied !== undefined) put(out, key, copied);
  }
  return out;
}

/** An own property even for `__proto__` (JSON.parse makes one), which `out[key] =` would turn into the prototype, dropping it. */
function put(out: Record<string, unknown>, key: string, item: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
  else out[key] = item;
}

function errorJson(error: Error): Record<string, unknown> {
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
}
