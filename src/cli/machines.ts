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
    .option('--json', 'JSON definitions (machine.toJSON())')
    .option('--mermaid', 'Mermaid stateDiagram-v2 diagrams')
    .option('--machine <name>', 'only this machine: supervisor or accountTask', machineName)
    .action(
      action(io, async (flags: { json?: boolean; mermaid?: boolean; machine?: MachineName }) => {
        if (flags.json === flags.mermaid) throw new CliError('CLI_USAGE', 'Give exactly one of --json and --mermaid.', OPERATOR_EXIT.usage);
        const names = flags.machine ? [flags.machine] : (Object.keys(MACHINES) as MachineName[]);
        if (flags.json) {
          const all = machineDefinitions();
          printJson(io, flags.machine ? all[flags.machine] : all);
          return;
        }
        io.stdout.write(names.map((name) => `%% ${name}\n${toMermaid(MACHINES[name])}`).join('\n'));
      }),
    );
}

function machineName(value: string): MachineName {
  if (value in MACHINES) return value as MachineName;
  throw new InvalidArgumentError(`must be one of ${Object.keys(MACHINES).join(', ')}.`);
}
