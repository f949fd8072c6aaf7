import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { readTokenFile, TOKEN_FILE_NAME } from '../api/token.js';
import { action, printJson } from './command.js';
import { dataDirOf } from './connection.js';
import { CliError, OPERATOR_EXIT } from './errors.js';
import type { OperatorIo } from './io.js';

/**
 * Adds `statevisor token [--data-dir <dir>] [--show] [--json]`: where the control API token is and
 * how to read it. The daemon prints a token it generates once, on stderr; this finds it again
 * later (no daemon needed). `--show` prints the token itself (reading the file needs the same
 * rights as `cat`).
 *
 * @example
 * ```ts
 * registerTokenCommand(program, processIo());
 * // statevisor token --data-dir /srv/statevisor/data
 * ```
 */
export function registerTokenCommand(program: Command, io: OperatorIo): void {
  program
    .command('token')
    .description('say where the control API token is and how to read it (--show prints it)')
    .option('--data-dir <dir>', "the daemon's data directory, where api-token is (default ./data)")
    .option('--show', 'print the token itself')
    .option('--json', 'print JSON instead of text')
    .action(
      action(io, async (flags: { dataDir?: string; show?: boolean; json?: boolean }) => {
        if (io.env.STATEVISOR_API_TOKEN) {
          if (flags.json) printJson(io, { source: 'STATEVISOR_API_TOKEN' });
          else io.stdout.write('The token is configured in the environment variable STATEVISOR_API_TOKEN (the daemon does not generate one then).\n');
          return;
        }
        const file = path.resolve(io.cwd, dataDirOf(flags, io.env), TOKEN_FILE_NAME);
        const info = await stat(file).catch(() => undefined);
        if (!info) {
          throw new CliError(
            'CLI_NO_TOKEN',
            `No token file at ${file}. The daemon generates it on its first start ("statevisor start") and prints it once; pass --data-dir if the daemon uses another data directory.`,
            OPERATOR_EXIT.auth,
          );
        }
        const token = flags.show ? await readTokenFile(file) : undefined;
        if (flags.json) return printJson(io, { file, mode: `0${(info.mode & 0o777).toString(8)}`, ...(token ? { token } : {}) });
        if (token) return void io.stdout.write(`${token}\n`);
        io.stdout.write(
          `The control API token is in ${file} (mode 0${(info.mode & 0o777).toString(8)}: readable by its owner only).\n` +
            `Read it with: cat ${JSON.stringify(file)}   (or: statevisor token --show${flags.dataDir ? ` --data-dir ${JSON.stringify(flags.dataDir)}` : ''})\n` +
            'The other statevisor commands read it from there themselves (--data-dir, default ./data).\n',
        );
      }),
    );
}
