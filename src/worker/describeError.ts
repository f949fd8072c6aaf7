/**
 * An error as the lifecycle records it: plain data, safe to log, to put in a status and to send
 * to the inspector. Workers may throw anything (strings, objects, `undefined`); this keeps what
 * is useful and drops the rest.
 */
export interface TaskError {
  message: string;
  /** The error's class (`CredentialsRejectedError`), so logs can name it; absent for non-errors. */
  name?: string;
  code?: string;
  stack?: string;
  /** Present and `false` when the error says restarting will not help. */
  retryable?: false;
}

/**
 * Turns anything thrown into a {@link TaskError}.
 *
 * @example
 * ```ts
 * describeError(Object.assign(new Error('bad token'), { code: 'AUTH', retryable: false }));
 * // { message: 'bad token', name: 'Error', code: 'AUTH', stack: '…', retryable: false }
 * ```
 */
export function describeError(thrown: unknown): TaskError {
  if (thrown instanceof Error) {
    const e = thrown as Error & { code?: unknown; retryable?: unknown };
    return {
      message: e.message || e.name,
      ...(e.name ? { name: e.name } : {}),
      ...(typeof e.code === 'string' || typeof e.code === 'number' ? { code: String(e.code) } : {}),
      ...(e.stack ? { stack: e.stack } : {}),
      ...(e.retryable === false ? { retryable: false as const } : {}),
    };
  }
  if (typeof thrown === 'object' && thrown !== null) {
    const o = thrown as { message?: unknown; code?: unknown; retryable?: unknown };
    return {
      message: typeof o.message === 'string' ? o.message : safeString(thrown),
      ...(typeof o.code === 'string' ? { code: o.code } : {}),
      ...(o.retryable === false ? { retryable: false as const } : {}),
    };
  }
  return { message: thrown === undefined ? 'worker failed with undefined' : safeString(thrown) };
}

function safeString(value: unknown): string {
  try {
    const s = typeof value === 'string' ? value : JSON.stringify(value);
    return (s ?? String(value)).slice(0, 500);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
