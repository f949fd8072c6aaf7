/**
 * One entry of an account's flight recorder, as `supervisor.history(id)` returns it.
 *
 * NOTE: a local copy of the shape until the supervisor's recorder lands (the arch branch owns the
 * ring); `explain` and `formatTimeline` read only these fields.
 */
export type HistoryEntry =
  | { at: number; kind: 'transition'; incarnation: number; from: string; to: string; event: string }
  | { at: number; kind: 'decision'; incarnation: number; decision: 'RESTART_SCHEDULED'; delayMs: number; attempt: number }
  | {
      at: number;
      kind: 'decision';
      incarnation: number;
      decision: 'SUSPENDED';
      cause: 'intensity' | 'nonRetryable';
      /** With `intensity`: the limit that was exceeded. */
      maxRestarts?: number;
      withinMs?: number;
    }
  | { at: number; kind: 'decision'; incarnation: number; decision: 'ESCALATED' | 'TASK_FINISHED' }
  | { at: number; kind: 'command'; command: 'add' | 'update' | 'enable' | 'disable' | 'restart' | 'remove' }
  | { at: number; kind: 'error'; incarnation: number; code?: string; message: string };
