#!/usr/bin/env node
/**
 * The `statevisor` command. `npm start` runs `statevisor start`.
 */
import { CommanderError } from 'commander';
import { buildProgram, EXIT } from './cli.js';

const program = buildProgram({
  argv: process.argv,
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  exit: (code) => process.exit(code),
  on: (event, listener) => process.on(event, listener),
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : EXIT.config);
  throw err;
}
