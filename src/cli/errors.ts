import { StatevisorError } from '../errors.js';

/**
 * Exit codes of the operator commands.
 *
 * - `ok` 0: done.
 * - `failed` 1: the daemon refused or failed the command (unknown account 404, conflict 409, shutting down 503, internal 500).
 * - `usage` 2: invalid input: bad flags or arguments, or the daemon answered 400 (the message names the field).
 * - `unreachable` 3: the daemon is not running at the URL (connection refused, timeout).
 * - `auth` 4: no token found, or the daemon refused it (401/403).
 */
export const OPERATOR_EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2, unreachable: 3, auth: 4 });

/**
 * An operator command failed; `message` is what the operator reads, `exitCode` one of {@link OPERATOR_EXIT}.
 *
 * @example
 * ```ts
 * throw new CliError('CLI_USAGE', '--settings must be JSON.', OPERATOR_EXIT.usage);
 * ```
 */
export class CliError extends StatevisorError {
  constructor(code: string, message: string, readonly exitCode: number) {
    super(code, message, { retryable: false });
  }
}
