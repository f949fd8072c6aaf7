/**
 * `npm run soak -- --accounts N --seconds S [--seed X]`: a longer soak than the one in `npm test`.
 * Prints each invariant, then a closing line `N passed, N failed`; exits 1 if any failed.
 */
import { Command, InvalidArgumentError } from 'commander';
import { runSoak } from './soak.js';

const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1.');
  return n;
};

const program = new Command('soak')
  .option('--accounts <n>', 'supervised accounts', positive, 200)
  .option('--seconds <n>', 'how long faults are injected', positive, 20)
  .option('--seed <n>', 'fault schedule seed, to replay a run', positive)
  .parse();
const opts = program.opts<{ accounts: number; seconds: number; seed?: number }>();

const report = await runSoak(opts);
console.log(`soak: ${opts.accounts} accounts, ${opts.seconds} s, seed ${report.seed}, faults ${JSON.stringify(report.faults)}`);
for (const i of report.invariants) console.log(`${i.passed ? 'PASS' : 'FAIL'} ${i.name} (${i.detail})`);
const passed = report.invariants.filter((i) => i.passed).length;
const failed = report.invariants.length - passed;
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
