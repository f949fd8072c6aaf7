import { defineConfig } from 'vitest/config';

// Vitest passes Vite's SSR conditions to its workers as `--conditions`; unless NODE_ENV is
// 'production' they include `development`, which would load XState's development build in the
// 'prod' project too (Vite reads NODE_ENV only from the environment, and says to set it here).
// The 'xstate-dev' project adds `development` back itself. test/machines/xstateBuild.test.ts
// checks that each project loads the build it is named for.
process.env.NODE_ENV = 'production';

// Two projects: the whole suite against XState's production build (what users run), and the
// machine and supervisor tests once more against its development build, which warns and throws
// where production is silent (xstate-facts.md, fact 10).
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Vitest fails the run on any unhandled rejection or uncaught exception by default;
    // test/meta/unhandled.test.ts proves it on a fixture, so nobody turns it off unnoticed.
    dangerouslyIgnoreUnhandledErrors: false,
    projects: [
      {
        extends: true,
        test: { name: 'prod', include: ['test/**/*.test.ts'], env: { STATEVISOR_TEST_PROJECT: 'prod' } },
      },
      {
        extends: true,
        test: {
          name: 'xstate-dev',
          env: { STATEVISOR_TEST_PROJECT: 'xstate-dev' },
          include: ['test/machines/**/*.test.ts', 'test/supervision/**/*.test.ts'],
          execArgv: ['--conditions=development'],
        },
      },
    ],
  },
});
