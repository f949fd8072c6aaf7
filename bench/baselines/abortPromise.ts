/**
 * Baseline: the floor with no state machine at all. One task = an `AbortController` and the
 * worker's promise; graceful stop = abort every controller and await every promise.
 */
import type { BaselineWorker } from './lifecycleActors.js';

export interface PlainTask {
  readonly controller: AbortController;
  readonly done: Promise<unknown>;
}

export function startPlainTask(worker: BaselineWorker): PlainTask {
  const controller = new AbortController();
  const done = worker({ signal: controller.signal }).catch(() => undefined);
  return { controller, done };
}

/** Aborts every task and resolves once each worker settled. */
export async function stopPlainTasks(tasks: readonly PlainTask[]): Promise<void> {
  for (const t of tasks) t.controller.abort();
  await Promise.all(tasks.map((t) => t.done));
}
