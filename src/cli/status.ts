import type { Command } from 'commander';
import type { AccountStatus } from '../account.js';
import { apiCall } from './client.js';
import { action, connect, printJson, withConnectionOptions, type CommonFlags } from './command.js';
import type { Connection } from './connection.js';
import { byId, statusTable } from './format.js';
import { interruptSignal, type OperatorIo } from './io.js';
import { watchStatuses } from './watch.js';

/** Shortest time between two redraws of `status --watch` (a burst of changes redraws once). */
export const WATCH_REDRAW_MS = 250;

/**
 * Adds `statevisor status [--watch] [--json]`: the accounts as a table (id, state, since,
 * restarts, last error, next restart). `--watch` follows the live stream and redraws on change
 * until Ctrl-C or the daemon's shutdown; with `--json` it prints each stream message as one JSON
 * line instead.
 *
 * @example
 * ```ts
 * registerStatusCommand(program, processIo());
 * ```
 */
export function registerStatusCommand(program: Command, io: OperatorIo): void {
  withConnectionOptions(program.command('status').description('the accounts as a table: id, state, since, restarts, last error, next restart'))
    .option('--watch', 'follow the live stream and redraw on every change (Ctrl-C to stop)')
    .action(
      action(io, async (flags: CommonFlags & { watch?: boolean }) => {
        const connection = await connect(io, flags);
        if (flags.watch) return watch(io, connection, flags.json === true);
        const { accounts } = await apiCall<{ accounts: AccountStatus[] }>(connection, 'GET', '/v1/accounts');
        // The table's order (by id), so `--json` and the table list accounts alike.
        if (flags.json) printJson(io, [...accounts].sort(byId));
        else io.stdout.write(statusTable(accounts));
      }),
    );
}

async function watch(io: OperatorIo, connection: Connection, json: boolean): Promise<void> {
  const { signal, release } = interruptSignal(io);
  let timer: NodeJS.Timeout | undefined;
  let latest: readonly AccountStatus[] = [];
  const draw = () => {
    timer = undefined;
    const clear = io.stdout.isTTY ? '\x1b[2J\x1b[H' : '';
    io.stdout.write(`${clear}${statusTable(latest)}\n(live: ${new Date().toLocaleTimeString()}, Ctrl-C to stop)\n\n`);
  };
  try {
    const ended = await watchStatuses(connection, signal, (message, statuses) => {
      if (json) return void io.stdout.write(`${JSON.stringify(message)}\n`);
      latest = [...statuses.values()];
      timer ??= setTimeout(draw, WATCH_REDRAW_MS);
    });
    if (timer) draw();
    if (ended === 'shutdown' && !json) io.stdout.write('The daemon is shutting down: the live stream ended.\n');
  } finally {
    clearTimeout(timer);
    release();
  }
}
