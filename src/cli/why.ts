import type { Command } from 'commander';
import type { AccountStatus } from '../account.js';
import { explainState } from '../recorder/explain.js';
import type { HistoryEntry } from '../history/index.js';
import { formatTimeline } from '../recorder/timeline.js';
import { apiCall } from './client.js';
import { action, connect, printJson, withConnectionOptions, type CommonFlags } from './command.js';
import type { OperatorIo } from './io.js';

/** What `GET /v1/accounts/:id/history` answers. */
export interface HistoryReply {
  account: AccountStatus;
  history: HistoryEntry[];
}

/**
 * Adds `statevisor why <id>`: the account's flight recorder as a timeline, then one sentence
 * saying what state it is in, since when, why, and what to do. Times are the local time of the
 * machine running the CLI (`TZ=UTC statevisor why …` for UTC).
 *
 * @example
 * ```ts
 * registerWhyCommand(program, processIo());
 * // statevisor why shop-1
 * ```
 */
export function registerWhyCommand(program: Command, io: OperatorIo): void {
  withConnectionOptions(program.command('why').argument('<id>').description("an account's recent history and why it is in its state")).action(
    action(io, async (id: string, flags: CommonFlags) => {
      const reply = await apiCall<HistoryReply>(await connect(io, flags), 'GET', `/v1/accounts/${encodeURIComponent(id)}/history`);
      const timeZone = io.env.TZ || undefined;
      const explanation = explainState(reply.account, reply.history, timeZone ? { timeZone } : {});
      if (flags.json) {
        printJson(io, { ...reply, explanation });
        return;
      }
      const lines = formatTimeline(reply.history, timeZone ? { timeZone } : {});
      if (lines.length === 0) lines.push('(no history recorded: the flight recorder is off, or nothing happened yet)');
      io.stdout.write(`${lines.join('\n')}\n\n${explanation}\n`);
    }),
  );
}
