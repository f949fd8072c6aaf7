/**
 * Applies a JSON merge patch (RFC 7396) to `target` and returns the result; `target` is not
 * changed. A patch that is an object merges key by key: `null` deletes the key, an object merges
 * into the value there, anything else (arrays included) replaces it. A patch that is not an
 * object replaces the target. Keys are own data properties, so `__proto__` is a key like any other.
 *
 * Recursive: bound the patch's depth before calling it with untrusted input (see `checkSettingsLimits`).
 *
 * @example
 * ```ts
 * jsonMergePatch({ region: 'eu', keywords: [1] }, { region: null, greeting: 'hi' }); // { keywords: [1], greeting: 'hi' }
 * ```
 */
export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = {};
  if (isObject(target)) for (const [key, value] of Object.entries(target)) define(result, key, value);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else define(result, key, jsonMergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value));
  }
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
