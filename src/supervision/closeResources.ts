import type { Logger } from 'pino';
import type { Clock } from '../clock/clock.js';
import type { JobRunner } from '../jobs/runner.js';
import { withTimeout } from '../withTimeout.js';
import type { StoreHandle } from './storeHandle.js';
import type { SupervisionRecords } from './supervisionRecords.js';

/** What the last step of a stop releases. */
export interface Resources {
  jobs: JobRunner;
  records: SupervisionRecords;
  store: StoreHandle;
  clock: Clock;
  log: Logger;
}

/**
 * The last step of every stop: the job runner, pending supervision writes and the store's close
 * each get what is left until `deadlineAt`, at least 250 ms: acknowledged commands are already
 * durable, so this only flushes supervision state. Never rejects.
 *
 * @example
 * ```ts
 * await closeResources({ jobs, records, store, clock, log }, clock.now() + 10_000);
 * ```
 */
export async function closeResources({ jobs, records, store, clock, log }: Resources, deadlineAt: number): Promise<void> {
  const left = () => Math.max(deadlineAt - clock.now(), 250);
  const stopped = await withTimeout(jobs.shutdown({ timeoutMs: left() }), left() + 250, clock);
  if (!stopped.ok) log.error({ err: stopped.error }, 'stopping the job runner failed');
  else if (stopped.value.abandoned > 0) log.warn(stopped.value, `${stopped.value.abandoned} jobs ignored cancellation at shutdown`);
  const flushed = await withTimeout(records.flush(), left(), clock);
  if (!flushed.ok) log.error('supervision state writes did not finish in time');
  if (!store.opened) return;
  const closed = await withTimeout(store.close(), left(), clock);
  if (!closed.ok) log.error({ err: closed.error }, 'closing the account store failed or timed out');
}
