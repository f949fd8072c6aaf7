import { z } from 'zod';

/*
 * One entry of an account's flight recorder (`supervisor.history(id)`): what happened to the
 * account, when (the supervisor clock's time, epoch ms by default), and for task events which
 * incarnation. The schema is the single source of the type, and the store checks persisted
 * entries against it, so the two cannot drift.
 */

const at = z.number();
const incarnation = z.number().int().nonnegative();
const errorInfo = z.strictObject({ message: z.string(), code: z.string().optional() });
const taskState = z.enum(['loading', 'running', 'cancelling', 'failed', 'cleaned']);

/** The commands an account's history records. */
export const HISTORY_COMMANDS = ['add', 'update', 'enable', 'disable', 'restart', 'remove'] as const;

/** The schema of one {@link HistoryEntry}. */
export const historyEntrySchema = z.discriminatedUnion('kind', [
  /** The task moved between two of its states; `from` is null when the incarnation was spawned. */
  z.strictObject({ kind: z.literal('transition'), at, incarnation, from: taskState.nullable(), to: taskState, event: z.string() }),
  /** The supervisor decided to restart after `delayMs` (at `restartAt`). */
  z.strictObject({ kind: z.literal('restartScheduled'), at, incarnation, delayMs: z.number(), attempt: z.number().int(), restartAt: z.number() }),
  /** The supervisor suspended the account; for `intensity`, how many restarts the window already held and the limit. */
  z.strictObject({
    kind: z.literal('suspended'),
    at,
    incarnation,
    cause: z.enum(['intensity', 'nonRetryable']),
    restartsInWindow: z.number().int().optional(),
    maxRestarts: z.number().optional(),
    withinMs: z.number().optional(),
    error: errorInfo.optional(),
  }),
  /** The account exceeded its intensity with `onIntensityExceeded: 'escalate'`: the supervisor shut down. */
  z.strictObject({
    kind: z.literal('escalated'),
    at,
    incarnation,
    restartsInWindow: z.number().int(),
    maxRestarts: z.number(),
    withinMs: z.number(),
    error: errorInfo.optional(),
  }),
  /** The task ended on its own and the policy does not restart it. */
  z.strictObject({ kind: z.literal('finished'), at, incarnation, reason: z.enum(['completed', 'cancelled', 'failed']) }),
  /** A command on the account and how it ended (its error code and message when it failed). */
  z.strictObject({ kind: z.literal('command'), at, command: z.enum(HISTORY_COMMANDS), outcome: z.enum(['ok', 'failed']), error: errorInfo.optional() }),
  /** A task's error: code and message only (never a stack, never credentials). */
  z.strictObject({ kind: z.literal('error'), at, incarnation, message: z.string(), code: z.string().optional() }),
]);

/**
 * One entry of an account's flight recorder, a tagged union on `kind`: `transition`,
 * `restartScheduled`, `suspended`, `escalated`, `finished`, `command`, `error`.
 *
 * @example
 * ```ts
 * for (const e of supervisor.history('shop-42')) {
 *   if (e.kind === 'suspended') console.log(new Date(e.at).toISOString(), e.cause, e.restartsInWindow, e.maxRestarts);
 * }
 * ```
 */
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

/** A command name an account's history records. */
export type HistoryCommand = (typeof HISTORY_COMMANDS)[number];
