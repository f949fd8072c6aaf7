// Mutation testing of the modules that keep statevisor's promises (npm run mutate).
// StrykerJS 9.6 (10.x needs Node 22). Incremental: results are kept in
// reports/mutation/stryker-incremental.json, so a rerun after a small change re-tests only the
// mutants whose code or covering tests changed. Scope one module with
// `npm run mutate -- --mutate src/api/auth.ts`.
// Surviving mutants judged not to be gaps are listed, with the reason, in mutation/equivalents.json
// (checked against the report by test/meta/mutationReport.test.ts; `npm run mutate:score`).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: true },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  concurrency: 2,
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  thresholds: { high: 90, low: 80, break: null },
  mutate: [
    'src/machines/**/*.ts',
    'src/supervision/**/*.ts',
    'src/persistence/durableFileAdapter.ts',
    'src/persistence/groupCommit.ts',
    'src/persistence/memoryStore.ts',
    'src/persistence/lowdbStore.ts',
    'src/persistence/storeLock.ts',
    'src/api/auth.ts',
    'src/api/body.ts',
    'src/sessions/heartbeat.ts',
    'src/sessions/sendReply.ts',
    'src/sessions/closeCodes.ts',
    'src/sessions/sessionRun.ts',
    'src/jobs/engine.ts',
    'src/jobs/scope.ts',
  ],
};
