/**
 * Runs one measurement in a fresh child process (`node --expose-gc --import tsx bench/lib/child.ts`),
 * so heap and RSS figures of one contender and size are not polluted by another's garbage, JIT
 * state or retained pages. The result comes back over the IPC channel.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TaskName, TaskParams, TaskResult } from './tasks.js';

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/** Node flags of every measuring child. Room for 100k accounts; `--expose-gc` for heap figures. */
export const CHILD_EXEC_ARGV: readonly string[] = ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx'];

/** What a child sends back. */
export type ChildMessage = { ok: true; result: unknown } | { ok: false; error: string };

/** Runs `task` with `params` in a child; rejects on its error, its crash, or after `timeoutMs`. */
export function runChild<K extends TaskName>(task: K, params: TaskParams<K>, timeoutMs: number): Promise<TaskResult<K>> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [JSON.stringify({ task, params })], {
      execArgv: [...CHILD_EXEC_ARGV],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    // Whatever a child prints must not mix with the report on stdout.
    child.stdout?.pipe(process.stderr);
    let message: ChildMessage | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${task} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('message', (m) => (message = m as ChildMessage));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (message?.ok) resolve(message.result as TaskResult<K>);
      else if (message) reject(new Error(`${task} failed: ${message.error}`));
      else reject(new Error(`${task} exited (code ${code ?? '–'}, signal ${signal ?? '–'}) without a result`));
    });
  });
}
