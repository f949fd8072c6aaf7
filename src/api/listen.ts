import type { Server } from 'node:http';

/**
 * Binds `server` and resolves with the port actually bound (useful with port 0); rejects with
 * the listen error (for example `EADDRINUSE`).
 *
 * @example
 * ```ts
 * const port = await listen(createServer(handler), '127.0.0.1', 0);
 * ```
 */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/**
 * Waits for `promise`, at most `ms`; the timer is cleared either way. Never rejects.
 *
 * @example
 * ```ts
 * await within(new Promise<void>((r) => server.close(() => r())), 1_000);
 * ```
 */
export async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * `o` without its `undefined` properties, so spreading it over defaults keeps the defaults.
 *
 * @example
 * ```ts
 * ({ port: 7070, ...stripUndefined({ port: undefined }) }).port; // 7070
 * ```
 */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
