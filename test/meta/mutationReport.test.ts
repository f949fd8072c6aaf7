/**
 * The committed mutation report and its list of surviving mutants judged not to be test gaps
 * (`mutation/equivalents.json`) agree: every listed mutant is still a survivor in the report, each
 * has a kind and a reason, and the score table of docs/mutation.md is the one the report gives.
 * A re-run of Stryker that kills a listed mutant, or moves it, fails here until the list is judged
 * again; a docs table edited by hand, or left behind by a re-run, fails too.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { problems, readInputs, scoreRows, scoreTable, type ListedMutant, type MutationReport } from '../../mutation/score.js';

const mutant = (line: number, column: number, mutatorName: string, status: string) => ({ mutatorName, status, location: { start: { line, column } } });
const entry = (line: number, column: number, mutator: string): ListedMutant => ({ file: 'src/a.ts', line, column, mutator, kind: 'equivalent', reason: 'behaves as the code does' });

describe('the committed report', () => {
  it('lists only mutants that still survive, each with a kind and a reason', () => {
    expect(problems(readInputs())).toEqual([]);
  });

  it('is what docs/mutation.md shows between its score markers', () => {
    const docs = readFileSync(new URL('../../docs/mutation.md', import.meta.url), 'utf8');
    const shown = /<!-- score:start -->\n([\s\S]*?)\n<!-- score:end -->/.exec(docs)?.[1];
    expect(shown, 'docs/mutation.md has no <!-- score:start --> … <!-- score:end --> block').toBeDefined();
    expect(shown).toBe(scoreTable(scoreRows(readInputs())));
  });
});

describe('scoring', () => {
  const report: MutationReport = {
    files: {
      'src/a.ts': {
        mutants: [
          mutant(1, 1, 'BooleanLiteral', 'Killed'),
          mutant(2, 1, 'BooleanLiteral', 'Timeout'),
          mutant(3, 5, 'ConditionalExpression', 'Survived'),
          mutant(3, 5, 'ConditionalExpression', 'Survived'),
          mutant(4, 1, 'StringLiteral', 'NoCoverage'),
          mutant(5, 1, 'StringLiteral', 'CompileError'),
        ],
      },
    },
  };

  it("sets aside exactly the listed survivors, one per entry, and keeps Stryker's score beside", () => {
    const [row] = scoreRows({ report, listed: [entry(3, 5, 'ConditionalExpression'), entry(4, 1, 'StringLiteral')] });
    expect(row).toEqual({ file: 'src/a.ts', killed: 1, timeout: 1, survived: 2, noCoverage: 1, listed: 2, score: 2 / 5, scoreListed: 2 / 3 });
  });

  it('names an entry that matches no survivor, one listed twice too often, a bad kind and a missing reason', () => {
    const listed = [
      entry(3, 5, 'ConditionalExpression'),
      entry(3, 5, 'ConditionalExpression'),
      entry(3, 5, 'ConditionalExpression'),
      entry(1, 1, 'BooleanLiteral'),
      { ...entry(4, 1, 'StringLiteral'), kind: 'maybe' as never, reason: '' },
    ];
    expect(problems({ report, listed })).toEqual([
      'src/a.ts:3:5 ConditionalExpression: listed, but the report has no surviving mutant there (moved, or killed now): judge it again or remove it',
      'src/a.ts:1:1 BooleanLiteral: listed, but the report has no surviving mutant there (moved, or killed now): judge it again or remove it',
      "src/a.ts:4:1 StringLiteral: unknown kind 'maybe' (one of equivalent, unreachable, killed-at-load, killed-by-hand)",
      'src/a.ts:4:1 StringLiteral: no reason given',
    ]);
  });

  it('marks a module below 90 % with the listed set aside, and totals every module', () => {
    const table = scoreTable(scoreRows({ report, listed: [] }));
    expect(table.split('\n')).toEqual([
      '| file | score, listed set aside | Stryker score | killed | timeout | survived | no coverage | of which listed |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      '| a.ts | **40.0 %** | 40.0 % | 1 | 1 | 2 | 1 | 0 |',
      '| **all measured** | **40.0 %** | **40.0 %** | 1 | 1 | 2 | 1 | 0 |',
    ]);
  });
});
