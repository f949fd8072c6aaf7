/** Where the operator commands read and write; `process` in production, fakes in tests. */
export interface OperatorIo {
  env: NodeJS.ProcessEnv;
  /** Base of relative paths (`--data-dir`). */
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
  /** Records the exit code (never exits by itself in library code). */
  exit(code: number): void;
  /** Ends `status --watch`. Default: the next SIGINT. */
  signal?: AbortSignal;
}

/**
 * The real process's streams and environment; `exit` sets `process.exitCode` (it does not call
 * `process.exit`, so pending output is flushed and nothing is cut short).
 *
 * @example
 * ```ts
 * registerOperatorCommands(program, processIo());
 * ```
 */
export function processIo(): OperatorIo {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    exit: (code) => {
      process.exitCode = code;
    },
  };
}

/**
 * An abort signal for `status --watch`: `io.signal` if given, else one that aborts on the next
 * SIGINT. The returned `release` removes the SIGINT listener.
 *
 * @example
 * ```ts
 * const { signal, release } = interruptSignal(io);
 * try { await watch(signal); } finally { release(); }
 * ```
 */
export function interruptSignal(io: OperatorIo): { signal: AbortSignal; release: () => void } {
  if (io.signal) return { signal: io.signal, release: () => {} };
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, release: () => process.off('SIGINT', onSigint) };
}
