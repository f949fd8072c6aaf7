import { defineConfig } from 'vitest/config';

// Mutation testing (npm run mutate) runs the production-build project only, and leaves out the
// tests that spawn whole daemons, benchmarks or soaks: they cover the same code through the
// modules tested directly and would make every mutant cost seconds; and the one test whose
// wall-clock bound (10k starts in 10 s) fails on a machine loaded by the mutation run itself.
process.env.NODE_ENV = 'production';

// STATEVISOR_MUTATE_TESTS (comma-separated globs) narrows the tests, for modules whose mutants are
// mostly "static" (module-level code such as a machine's `setup()`): Stryker runs every test that
// imports such a module for each of them, 96 s of tests per mutant for src/machines with the whole
// project on 2 cores. A mutant only the left-out tests would catch is then reported as surviving,
// so a narrowed run's score is a lower bound of the whole suite's.
const narrowed = process.env.STATEVISOR_MUTATE_TESTS?.split(',').filter((glob) => glob !== '');

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    include: narrowed?.length ? narrowed : ['test/**/*.test.ts'],
    exclude: ['test/daemon/**', 'test/cli/**', 'test/bench/**', 'test/soak/**', 'test/persistence/crash.test.ts', 'test/dashboard/**', 'test/cluster/**', 'test/meta/**', 'test/supervision/xstateTraps.test.ts'],
    env: { STATEVISOR_TEST_PROJECT: 'prod' },
  },
});
