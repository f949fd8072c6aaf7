// A hand-made WorkerContext for calling websocketSession workers directly.
import { pino, type Logger } from 'pino';
import type { Account } from '../../src/account.js';
import type { WorkerContext } from '../../src/worker/worker.js';
import { testJobs } from '../helpers/jobs.js';

export interface TestCtx {
  ctx: WorkerContext;
  controller: AbortController;
  reports: Record<string, unknown>[];
  /** All reports merged, as the status board would show them. */
  latest(): Record<string, unknown>;
}

/** `credentials: null` makes an account without credentials. */
export function account(id: string, credentials: string | null = 'tok', settings: Record<string, unknown> = {}): Account {
  return { id, enabled: true, ...(credentials === null ? {} : { credentials }), settings };
}

export function makeCtx(acc: Account, log: Logger = pino({ level: 'silent' })): TestCtx {
  const controller = new AbortController();
  const reports: Record<string, unknown>[] = [];
  const ctx: WorkerContext = { account: acc, signal: controller.signal, log, report: (r) => reports.push(r), jobs: testJobs() };
  return { ctx, controller, reports, latest: () => Object.assign({}, ...reports) as Record<string, unknown> };
}

/** Settles `promise` into a value so tests can assert on rejections without unhandled ones. */
export async function outcome(promise: Promise<void>): Promise<{ ok: true } | { ok: false; error: Error & { code?: string; retryable?: boolean; closeCode?: number } }> {
  try {
    await promise;
    return { ok: true };
  } catch (e) {
    return { ok: false, error: e as Error & { code?: string; retryable?: boolean } };
  }
}
