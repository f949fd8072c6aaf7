/**
 * `npm run replay -- --seed N [--suite commands|soak|both] [--accounts N] [--minutes N]`: replays
 * a seeded run of the simulation harness exactly, as a failing test printed it, and prints its
 * trace hash (the same seed prints the same hash on every machine). Exits 1 if an invariant fails.
 */
import { Command, InvalidArgumentError } from 'commander';
import { runCommandSequence, runFleetSoak, stepsFor, type RunResult } from './scenarios.js';

const whole = (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0.');
  return n;
};

const program = new Command('replay')
  .requiredOption('--seed <n>', 'the seed a failing run printed', whole)
  .option('--suite <name>', 'commands | soak | both', 'both')
  .option('--accounts <n>', 'soak: accounts (the test uses 30)', whole, 30)
  .option('--minutes <n>', 'soak: simulated minutes of faults (the test uses 10)', whole, 10)
  .option('--steps', 'commands: print the command sequence')
  .parse();
const opts = program.opts<{ seed: number; suite: string; accounts: number; minutes: number; steps?: boolean }>();
if (!['commands', 'soak', 'both'].includes(opts.suite)) {
  console.error(`replay: --suite must be commands, soak or both (got "${opts.suite}")`);
  process.exit(2);
}

let failed = false;
async function replay(name: string, run: () => Promise<RunResult>): Promise<void> {
  const started = performance.now();
  try {
    const result = await run();
    console.log(`PASS ${name} seed ${opts.seed}: trace ${result.trace} (${result.detail}) in ${Math.round(performance.now() - started)} ms`);
  } catch (err) {
    failed = true;
    console.log(`FAIL ${name} seed ${opts.seed}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}

if (opts.suite !== 'soak') {
  if (opts.steps) console.log(JSON.stringify(stepsFor(opts.seed), null, 1));
  await replay('commands', () => runCommandSequence(opts.seed));
}
if (opts.suite !== 'commands') await replay('soak', () => runFleetSoak(opts.seed, { accounts: opts.accounts, minutes: opts.minutes }));
process.exitCode = failed ? 1 : 0;
