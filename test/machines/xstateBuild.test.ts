import { createRequire } from 'node:module';
import { expect, it } from 'vitest';

// The machine and supervisor tests run against both XState builds (xstate-facts.md, fact 10):
// the development build warns and throws where the production build is silent.
it('loads the XState build its project is named for', () => {
  const resolved = createRequire(import.meta.url).resolve('xstate');
  const project = process.env.STATEVISOR_TEST_PROJECT;
  expect(['prod', 'xstate-dev']).toContain(project);
  expect(resolved.includes('.development.')).toBe(project === 'xstate-dev');
});
