import { pino, type Logger } from 'pino';
import type { Supervisor, SupervisorOptions } from '../../src/index.js';
import { statevisor } from './statevisor.js';

const { createSupervisor, memoryStore } = statevisor;

/** Every bench supervisor logs through this: nothing is written, as the brief asks. */
export const silentLogger: Logger = pino({ level: 'silent' });

/** Account ids `acc-0` … `acc-(n-1)`. */
export function accountId(i: number): string {
  return `acc-${i}`;
}

/** A supervisor over a `memoryStore` pre-filled with `n` enabled accounts (not started yet). */
export function bulkSupervisor(n: number, options: Omit<SupervisorOptions, 'store'>): Supervisor {
  const accounts = Array.from({ length: n }, (_, i) => ({ id: accountId(i), enabled: true, settings: {} }));
  return createSupervisor({ logger: silentLogger, shutdownTimeoutMs: 120_000, waitTimeoutMs: 120_000, ...options, store: memoryStore(accounts) });
}

/** A started supervisor with an empty memory store (never the default store, which is a file in the working directory). */
export async function emptySupervisor(options: Omit<SupervisorOptions, 'store'>): Promise<Supervisor> {
  const sup = createSupervisor({ logger: silentLogger, shutdownTimeoutMs: 120_000, waitTimeoutMs: 120_000, ...options, store: memoryStore() });
  await sup.start();
  return sup;
}
