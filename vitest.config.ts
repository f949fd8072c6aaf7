import { defineConfig } from 'vitest/config';

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
        test: { name: 'prod', include: ['test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'xstate-dev',
          include: ['test/machines/**/*.test.ts', 'test/supervision/**/*.test.ts'],
          execArgv: ['--conditions=development'],
        },
      },
    ],
  },
});
