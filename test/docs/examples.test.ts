/**
 * Docs that cannot drift: every ```ts block of the README and docs/, and every `@example` in
 * src/, type-checks against the real sources (see `compileExamples`).
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileExamples, markdownExamples, tsdocExamples } from './examples.js';

const DOCS = ['README.md', ...readdirSync(new URL('../../docs', import.meta.url)).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
// Every module: an @example that does not compile is a lie told to the reader of that module.
const MODULES = ['src'];

describe('code examples compile', () => {
  const examples = [...DOCS.flatMap(markdownExamples), ...MODULES.flatMap(tsdocExamples)];

  it('finds the examples (the extraction itself works)', () => {
    expect(examples.filter((e) => e.where.startsWith('README.md')).length).toBeGreaterThanOrEqual(1);
    expect(examples.filter((e) => e.where.startsWith('src/')).length).toBeGreaterThanOrEqual(300);
  });

  it('every README, docs/ and @example block type-checks against src/', () => {
    expect(compileExamples(examples)).toEqual([]);
  }, 120_000);

  it('a wrong example is caught', () => {
    const errors = compileExamples([{ where: 'fixture', code: "import { createSupervisor } from 'statevisor';\ncreateSupervisor({ workr: async () => {} });" }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('workr');
  });
});
