/**
 * How large an account's `settings` may be. The file store pretty-prints every account on every
 * write and other tools (`jq`, Python) read it, so a few kilobytes of deeply nested JSON must not
 * become megabytes on disk or a parser's stack overflow.
 *
 * - `maxDepth`: nesting levels, the `settings` object itself being level 1 (so
 *   `{ "keywords": [ { "match": "x" } ] }` is 3 deep).
 * - `maxBytes`: the size of `settings` as compact JSON, in UTF-8 bytes.
 */
export const SETTINGS_LIMITS = Object.freeze({ maxDepth: 16, maxBytes: 32_768 });

/** Where `settings` break a limit: the path below `settings` and why. */
export interface LimitProblem {
  path: (string | number)[];
  reason: string;
}

/**
 * Checks {@link SETTINGS_LIMITS} without recursion (a hostile value may be thousands of levels
 * deep): the depth first, then the size.
 *
 * @example
 * ```ts
 * checkSettingsLimits({ a: { b: 1 } }); // undefined: within the limits
 * checkSettingsLimits(JSON.parse('{"a":'.repeat(20) + '1' + '}'.repeat(20))); // { path: ['a', 'a', …], reason: 'is nested more than 16 levels deep …' }
 * ```
 */
export function checkSettingsLimits(settings: unknown, limits: { maxDepth: number; maxBytes: number } = SETTINGS_LIMITS): LimitProblem | undefined {
  const tooDeep = findTooDeep(settings, limits.maxDepth);
  if (tooDeep) return { path: tooDeep, reason: `is nested more than ${limits.maxDepth} levels deep (settings may be at most ${limits.maxDepth} levels deep)` };
  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(settings) ?? '');
  } catch {
    return { path: [], reason: 'must be JSON-serialisable (no BigInt, no circular references)' };
  }
  if (bytes > limits.maxBytes) return { path: [], reason: `is ${bytes} bytes as JSON; settings may be at most ${limits.maxBytes} bytes` };
  return undefined;
}

/** The path to the first container nested deeper than `maxDepth`, or undefined. */
function findTooDeep(root: unknown, maxDepth: number): (string | number)[] | undefined {
  const stack: { value: unknown; depth: number; path: (string | number)[] }[] = [{ value: root, depth: 1, path: [] }];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > maxDepth) return path;
    // A cycle is not JSON: the size check reports it.
    if (seen.has(value)) continue;
    seen.add(value);
    const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [key, child] of entries) if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: depth + 1, path: [...path, key] });
  }
  return undefined;
}
