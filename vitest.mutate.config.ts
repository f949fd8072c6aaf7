import { defineConfig } from 'vitest/config';

// Mutation testing (npm run mutate) runs the production-build project only, and leaves out the
// tests that spawn whole daemons, benchmarks or soaks: they cover the same code through the
// modules tested directly and would make every mutant cost seconds.
process.env.NODE_ENV = 'production';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    include: ['test/**/*.test.ts'],
    exclude: ['test/daemon/**', 'test/cli/**', 'test/bench/**', 'test/soak/**', 'test/persistence/crash.test.ts', 'test/dashboard/**', 'test/cluster/**', 'test/meta/**'],
    env: { STATEVISOR_TEST_PROJECT: 'prod' },
  },
});
