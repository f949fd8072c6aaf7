import { defineConfig } from 'vitest/config';

// Mutation testing (npm run mutate) runs the production-build project only, and leaves out the
// tests that spawn whole daemons, benchmarks or soaks: they cover the same code through the
// modules tested directly and would make every mutant cost seconds; and the one test whose
// wall-clock bound (10k starts in 10 s) fails on a machine loaded by the mutation run itself.
process.env.NODE_ENV = 'production';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    include: ['test/**/*.test.ts'],
    exclude: ['test/daemon/**', 'test/cli/**', 'test/bench/**', 'test/soak/**', 'test/persistence/crash.test.ts', 'test/dashboard/**', 'test/cluster/**', 'test/meta/**', 'test/supervision/xstateTraps.test.ts'],
    env: { STATEVISOR_TEST_PROJECT: 'prod' },
  },
});
