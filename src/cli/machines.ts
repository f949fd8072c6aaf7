import { InvalidArgumentError, type Command } from 'commander';
import { machineDefinitions, MACHINES } from '../inspect/definitions.js';
import { toMermaid } from '../inspect/mermaid.js';
import { action, printJson } from './command.js';
import { CliError, OPERATOR_EXIT } from './errors.js';
import type { OperatorIo } from './io.js';

type MachineName = keyof typeof MACHINES;

/**
 * Adds `statevisor machines --json|--mermaid [--machine supervisor|accountTask]`: the
 * statecharts, from the code (no daemon needed).
 *
 * `--json` prints machine configs that `createMachine()` loads back. `--mermaid --machine X`
 * prints one bare Mermaid document (for `mmdc` or an editor); `--mermaid` alone prints Markdown
 * with one fenced `mermaid` block per machine, since one Mermaid document holds one diagram.
 *
 * @example
 * ```ts
 * registerMachinesCommand(program, processIo());
 * // statevisor machines --mermaid --machine accountTask > task.mmd
 * ```
 */
export function registerMachinesCommand(program: Command, io: OperatorIo): void {
  program
    .command('machines')
    .description("print the supervisor's and the account task's statecharts")
    .option('--json', 'JSON machine configs, loadable with createMachine()')
    .option('--mermaid', 'Mermaid stateDiagram-v2: one document with --machine, else Markdown with one block per machine')
    .option('--machine <name>', 'only this machine: supervisor or accountTask', machineName)
    .action(
      action(io, async (flags: { json?: boolean; mermaid?: boolean; machine?: MachineName }) => {
        if (flags.json === flags.mermaid) throw new CliError('CLI_USAGE', 'Give exactly one of --json and --mermaid.', OPERATOR_EXIT.usage);
        if (flags.json) {
          const all = machineDefinitions();
          printJson(io, flags.machine ? all[flags.machine] : all);
          return;
        }
        if (flags.machine) {
          io.stdout.write(`%% ${flags.machine}\n${toMermaid(MACHINES[flags.machine])}`);
          return;
        }
        io.stdout.write((Object.keys(MACHINES) as MachineName[]).map((name) => `## ${name}\n\n\`\`\`mermaid\n%% ${name}\n${toMermaid(MACHINES[name])}\`\`\`\n`).join('\n'));
      }),
    );
}

function machineName(value: string): MachineName {
  if (value in MACHINES) return value as MachineName;
  throw new InvalidArgumentError(`must be one of ${Object.keys(MACHINES).join(', ')}.`);
}
