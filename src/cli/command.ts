import { InvalidArgumentError, type Command } from 'commander';
import { StatevisorError } from '../errors.js';
import { resolveConnection, type Connection, type ConnectionFlags } from './connection.js';
import { CliError, OPERATOR_EXIT } from './errors.js';
import type { OperatorIo } from './io.js';

/** Options every command that talks to the daemon accepts. */
export type CommonFlags = ConnectionFlags & { json?: boolean };

/**
 * Adds `--url`, `--token`, `--data-dir`, `--timeout` and `--json` to `cmd`.
 *
 * @example
 * ```ts
 * withConnectionOptions(program.command('status'));
 * ```
 */
export function withConnectionOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'control API URL (default: $STATEVISOR_API_URL or http://127.0.0.1:7070)')
    .option('--token <token>', 'API token (default: $STATEVISOR_API_TOKEN or <data-dir>/api-token)')
    .option('--data-dir <dir>', "the daemon's data directory, where api-token is (default ./data)")
    .option('--timeout <ms>', 'request deadline in milliseconds (default 10000)', positiveInt)
    .option('--json', 'print JSON instead of text');
}

/**
 * Wraps a command action: errors become one `statevisor: …` line on stderr and an exit code
 * (`CliError.exitCode`, else 1); nothing is thrown to commander. With `--json`, the error line is
 * JSON instead, `{"error":{"code","message","exitCode"}}`, so scripts parse one format.
 *
 * @example
 * ```ts
 * cmd.action(action(io, async (flags: CommonFlags) => printJson(io, flags)));
 * ```
 */
export function action<A extends unknown[]>(io: OperatorIo, fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const exitCode = err instanceof CliError ? err.exitCode : OPERATOR_EXIT.failed;
      if (wantsJson(args)) {
        const code = err instanceof StatevisorError ? err.code : 'CLI_FAILED';
        io.stderr.write(`${JSON.stringify({ error: { code, message: describe(err), exitCode } })}\n`);
      } else io.stderr.write(`statevisor: ${describe(err)}\n`);
      io.exit(exitCode);
    }
  };
}

/**
 * The connection for `flags`, from flags, environment and data directory.
 *
 * @example
 * ```ts
 * const connection = await connect(io, flags);
 * ```
 */
export function connect(io: OperatorIo, flags: ConnectionFlags): Promise<Connection> {
  return resolveConnection(flags, io.env, io.cwd);
}

/**
 * Prints `value` as indented JSON.
 *
 * @example
 * ```ts
 * printJson(io, { removed: 'a' });
 * ```
 */
export function printJson(io: OperatorIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Parses a JSON flag, naming the flag when it is not JSON.
 *
 * @example
 * ```ts
 * jsonFlag('--settings', '{"region":"eu"}'); // { region: 'eu' }
 * ```
 */
export function jsonFlag(flag: string, raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw new CliError('CLI_USAGE', `${flag} must be JSON (${(err as Error).message}).`, OPERATOR_EXIT.usage);
  }
}

// commander passes the command itself last, after the parsed options.
function wantsJson(args: readonly unknown[]): boolean {
  const command = args.at(-1) as { opts?: () => { json?: unknown } } | undefined;
  return typeof command?.opts === 'function' && command.opts().json === true;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive whole number.');
  return n;
}

function describe(err: unknown): string {
  if (err instanceof StatevisorError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
