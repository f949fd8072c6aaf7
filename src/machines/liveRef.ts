/**
 * Holds a live object (the supervisor's runtime, a worker handle) in a machine's context without
 * letting it into snapshots: XState's `getPersistedSnapshot()` copies a context's own enumerable
 * properties and inspection serialises it with `JSON.stringify`, and this wrapper has neither to
 * give. Accounts, credentials and loggers therefore never reach a persisted snapshot or an
 * inspection event through the context.
 *
 * @example
 * ```ts
 * const ref = liveRef(runtime);
 * ref.current.drain();
 * JSON.stringify({ ref }); // '{"ref":"[live]"}'
 * ```
 */
export class LiveRef<T> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  get current(): T {
    return this.#value;
  }

  toJSON(): string {
    return '[live]';
  }
}

/** Wraps `value` in a {@link LiveRef}. */
export function liveRef<T>(value: T): LiveRef<T> {
  return new LiveRef(value);
}
