/**
 * An object keyed by account id that is safe for any id: no prototype (so `toString` or
 * `constructor` are not found unless stored) and every key an own data property (so `__proto__`
 * is a key like any other, not the prototype setter). Stores hand supervision records out in one.
 *
 * @example
 * ```ts
 * const records = recordById([['toString', { restartHistory: [], restarts: 0 }]]);
 * Object.hasOwn(records, 'valueOf'); // false, and records.valueOf is undefined
 * ```
 */
export function recordById<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [id, value] of entries) Object.defineProperty(out, id, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * The value stored under `id`, looking at own properties only.
 *
 * @example
 * ```ts
 * ownValue({}, 'toString'); // undefined, not Object.prototype.toString
 * ```
 */
export function ownValue<T>(record: Readonly<Record<string, T>>, id: string): T | undefined {
  return Object.hasOwn(record, id) ? record[id] : undefined;
}
