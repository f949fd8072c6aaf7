/**
 * Entry of a measuring child process (see `spawn.ts`): runs one task from `tasks.ts` with the
 * parameters in argv[2] (JSON) and sends the result to the parent over IPC, then exits at once
 * (baselines leave idle timers behind on purpose).
 */
import { tasks, type TaskName } from './tasks.js';
import type { ChildMessage } from './spawn.js';

function reply(message: ChildMessage, code: number): void {
  if (!process.send) {
    console.log(JSON.stringify(message));
    process.exit(code);
  }
  process.send(message, () => process.exit(code));
}

const job = JSON.parse(process.argv[2] ?? '{}') as { task: TaskName; params: never };
try {
  const run = tasks[job.task] as (params: unknown) => Promise<unknown>;
  if (typeof run !== 'function') throw new Error(`unknown bench task ${String(job.task)}`);
  reply({ ok: true, result: await run(job.params) }, 0);
} catch (error) {
  reply({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 1);
}
