/**
 * One entry of an account's flight recorder, as `supervisor.history(id)` returns it.
 *
 * NOTE: a local copy of the shape of src/history/historyEntry.ts (the supervisor's recorder, on
 * the arch branch) until that lands; `explainState` and `formatTimeline` read only these fields.
 */
type TaskState = 'loading' | 'running' | 'cancelling' | 'failed' | 'cleaned';
type ErrorInfo = { message: string; code?: string };

export type HistoryEntry =
  | { kind: 'transition'; at: number; incarnation: number; from: TaskState | null; to: TaskState; event: string }
  | { kind: 'restartScheduled'; at: number; incarnation: number; delayMs: number; attempt: number; restartAt: number }
  | { kind: 'suspended'; at: number; incarnation: number; cause: 'intensity' | 'nonRetryable'; restartsInWindow?: number; maxRestarts?: number; withinMs?: number; error?: ErrorInfo }
  | { kind: 'escalated'; at: number; incarnation: number; restartsInWindow: number; maxRestarts: number; withinMs: number; error?: ErrorInfo }
  | { kind: 'finished'; at: number; incarnation: number; reason: 'completed' | 'cancelled' | 'failed' }
  | { kind: 'command'; at: number; command: 'add' | 'update' | 'enable' | 'disable' | 'restart' | 'remove'; outcome: 'ok' | 'failed'; error?: ErrorInfo }
  | { kind: 'error'; at: number; incarnation: number; message: string; code?: string };
