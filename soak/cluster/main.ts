/**
 * `npm run soak:cluster -- --minutes N [--accounts 50] [--seed S]`: the cluster chaos soak for
 * longer than the test suite's minute. Needs the local PostgreSQL (see .ci/setup.d/10-postgres.sh).
 * Prints each check, then `N passed, M failed`; exits 1 when anything failed.
 */
import { parseArgs } from 'node:util';
import { runClusterChaos } from './chaos.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '5' }, accounts: { type: 'string', default: '50' }, seed: { type: 'string' } }, strict: true });
const minutes = Number(values.minutes);
const accounts = Number(values.accounts);
if (!(minutes > 0) || !Number.isInteger(accounts) || accounts < 1) {
  process.stderr.write('soak:cluster: --minutes must be > 0 and --accounts a whole number ≥ 1\n');
  process.exit(2);
}
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
process.stdout.write(`cluster chaos soak: ${minutes} min, ${accounts} accounts, seed ${seed}\n`);
const result = await runClusterChaos({ durationMs: minutes * 60_000, accounts, seed, log: (line) => process.stdout.write(`${line}\n`) });
for (const f of result.failures) process.stdout.write(`FAILED ${f}\n`);
process.stdout.write(`${result.passed} passed, ${result.failed} failed\n`);
process.exitCode = result.failed > 0 ? 1 : 0;
