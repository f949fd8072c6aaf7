import { pino, type Logger } from 'pino';
import { createSupervisor, memoryStore, type Supervisor, type SupervisorOptions } from '../../src/index.js';
import { controllableWorker, type ControllableWorker } from '../../src/testing/index.js';

export const silent: Logger = pino({ level: 'silent' });

/** Fast timings for tests: backoff in milliseconds, short cancel deadline. */
export const FAST = {
  restart: { backoff: { minMs: 2, maxMs: 10, factor: 2, jitter: 'none' as const } },
  cancelTimeoutMs: 100,
  loadTimeoutMs: 1_000,
  shutdownTimeoutMs: 2_000,
  waitTimeoutMs: 5_000,
};

/** A started supervisor over a controllable worker, with FAST timings overridable. */
export async function startSupervisor(
  options: Partial<SupervisorOptions> = {},
  cw: ControllableWorker = controllableWorker(),
): Promise<{ sup: Supervisor; cw: ControllableWorker }> {
  const worker = options.workerFor ? {} : { worker: options.worker ?? cw.worker };
  const sup = createSupervisor({ logger: silent, store: memoryStore(), ...FAST, ...options, ...worker });
  await sup.start();
  return { sup, cw };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
