/**
 * The operator CLI: `statevisor accounts …`, `statevisor status`, `statevisor reload`,
 * `statevisor machines`, talking to a running daemon's control API.
 *
 * @example
 * ```ts
 * // in the daemon's CLI
 * registerOperatorCommands(program, { env, cwd, stdout, stderr, exit });
 * // in a test
 * const code = await runOperatorCli({ argv: ['accounts', 'list', '--json'], env, stdout, stderr });
 * ```
 * @packageDocumentation
 */
import { Command, CommanderError } from 'commander';
import type { ReloadResult } from '../supervision/reload.js';
import { registerAccountCommands } from './accounts.js';
import { apiCall } from './client.js';
import { action, connect, printJson, withConnectionOptions, type CommonFlags } from './command.js';
import { OPERATOR_EXIT } from './errors.js';
import { processIo, type OperatorIo } from './io.js';
import { registerMachinesCommand } from './machines.js';
import { registerStatusCommand } from './status.js';
import { registerTokenCommand } from './token.js';
import { registerWhyCommand } from './why.js';
import { registerWhatIfCommand } from './whatIf.js';
import { registerClusterCommand } from './cluster.js';

export { OPERATOR_EXIT, CliError } from './errors.js';
export { processIo, type OperatorIo } from './io.js';
export { DEFAULT_API_URL, DEFAULT_DATA_DIR, resolveConnection, type Connection, type ConnectionFlags } from './connection.js';

/**
 * Adds the operator commands to `program` (the `statevisor` program of `src/daemon/cli.ts`):
 * `accounts list|get|add|update|remove|enable|disable|restart`, `status [--watch]`, `reload`,
 * `machines --json|--mermaid`, `token [--show]`. Each talks to the daemon's control API (found with `--url`,
 * `STATEVISOR_API_URL`, default `http://127.0.0.1:7070`; token from `--token`,
 * `STATEVISOR_API_TOKEN` or `<--data-dir>/api-token`, default `./data`). Failures are one
 * `statevisor: …` line on stderr and `io.exit(code)` with a code of {@link OPERATOR_EXIT}; success
 * does not call `io.exit`.
 *
 * @example
 * ```ts
 * const program = new Command('statevisor');
 * registerOperatorCommands(program);
 * await program.parseAsync(process.argv);
 * ```
 */
export function registerOperatorCommands(program: Command, io: OperatorIo = processIo()): Command {
  registerAccountCommands(program, io);
  registerStatusCommand(program, io);
  withConnectionOptions(program.command('reload').description('re-read the store and reconcile: new accounts start, deleted ones stop, changed ones restart')).action(
    action(io, async (flags: CommonFlags) => {
      const { reload } = await apiCall<{ reload: ReloadResult }>(await connect(io, flags), 'POST', '/v1/reload');
      if (flags.json) printJson(io, reload);
      else io.stdout.write(`reloaded: ${reload.added.length} added, ${reload.removed.length} removed, ${reload.changed.length} changed, ${reload.unchanged} unchanged${reload.invalid.length ? `, ${reload.invalid.length} invalid (${reload.invalid.join(', ')})` : ''}\n`);
    }),
  );
  registerMachinesCommand(program, io);
  registerTokenCommand(program, io);
  registerWhyCommand(program, io);
  registerWhatIfCommand(program, io);
  registerClusterCommand(program, io);
  return program;
}

/** What {@link runOperatorCli} runs against. */
export interface OperatorCliInput {
  /** Arguments after the program name, e.g. `['accounts', 'list', '--json']`. */
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  stdout: OperatorIo['stdout'];
  stderr: OperatorIo['stderr'];
  /** Default `process.cwd()`. */
  cwd?: string;
  /** Ends `status --watch`. */
  signal?: AbortSignal;
}

/**
 * Runs one operator command as the `statevisor` program would and resolves with its exit code
 * (see {@link OPERATOR_EXIT}; commander's usage errors are 2). Never calls `process.exit`.
 *
 * @example
 * ```ts
 * const code = await runOperatorCli({ argv: ['status', '--json'], env: process.env, stdout: process.stdout, stderr: process.stderr });
 * ```
 */
export async function runOperatorCli(input: OperatorCliInput): Promise<number> {
  let code: number = OPERATOR_EXIT.ok;
  const io: OperatorIo = { env: input.env, cwd: input.cwd ?? process.cwd(), stdout: input.stdout, stderr: input.stderr, exit: (c) => (code = c), ...(input.signal ? { signal: input.signal } : {}) };
  const program = new Command('statevisor').exitOverride().configureOutput({ writeOut: (s) => input.stdout.write(s), writeErr: (s) => input.stderr.write(s) });
  registerOperatorCommands(program, io);
  try {
    await program.parseAsync([...input.argv], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    return err.exitCode === 0 ? OPERATOR_EXIT.ok : OPERATOR_EXIT.usage;
  }
  return code;
}
