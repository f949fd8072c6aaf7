import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { compareMarkdown } from '../../bench/compare.js';

const run = promisify(execFile);

// The bench itself must keep running as the code under it changes: `--smoke` runs every scenario
// with tiny N in a few seconds (`--tsx`: no tsc compile first). This checks the report's shape, never its figures.
describe('bench/run.ts --smoke', () => {
  it('runs every scenario to completion, prints the report with each heading, and leaves the committed report alone', async () => {
    const latest = 'bench/results/latest.md';
    const before = await readFile(latest, 'utf8');
    const mtime = (await stat(latest)).mtimeMs;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke', '--tsx'], {
      timeout: 150_000,
      maxBuffer: 16 * 2 ** 20,
    });
    expect(stdout).toMatch(/^# statevisor benchmarks \(smoke\)$/m);
    for (const row of ['CPU', 'Node', 'xstate', 'date', 'load average 1/5/15 min', 'commit measured']) {
      expect(stdout).toMatch(new RegExp(`^\\| ${row} \\| .+ \\|$`, 'm'));
    }
    expect(stdout).toMatch(/^\| commit measured \| [0-9a-f]{40}/m);
    for (const heading of [
      '## Targets',
      '## 1. Start',
      '## 2. Shutdown',
      '## 2b. Restart cycle (vs Effect)',
      '## 3. Commands',
      '## 4. Restart storm',
      '## 5. Sessions',
      '## 6. Store',
      '## 7. Jobs',
      '## 7b. Offloaded work',
      '## 8. Inspection',
    ]) {
      expect(stdout).toMatch(new RegExp(`^${heading.replace(/[.()]/g, '\\$&')}$`, 'm'));
    }
    // Every target row has a goal, statevisor's figure, a baseline and a ratio, and says PASS, MISS or n/a.
    expect(stdout).toMatch(/^\| target \| goal \| statevisor \(median\) \| baseline, same run \(median\) \| ratio \| result \|$/m);
    const targetRows = stdout.split('## Targets')[1]!.split('\n## ')[0]!.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| target') && !l.startsWith('| ---'));
    expect(targetRows.length).toBeGreaterThan(10);
    for (const row of targetRows) {
      const cells = row.split(' | ');
      expect(cells, row).toHaveLength(6);
      expect(cells[4], row).toMatch(/\d\.\d\d×|–/);
      expect(cells[5], row).toMatch(/^\*\*(PASS|MISS|n\/a)\*\* \|$/);
    }
    expect(stdout).not.toContain('failed:');
    expect(stdout).not.toContain('⚠');
    // The baselines and contenders ran beside statevisor.
    for (const name of ['standalone lifecycle actors (baseline)', 'AbortController + promise (floor)', 'Effect FiberMap + retry (contender)', 'p-queue 9', 'piscina alone']) {
      expect(stdout).toContain(name);
    }
    // --smoke writes nothing: the committed full report is untouched.
    expect(await readFile(latest, 'utf8')).toBe(before);
    expect((await stat(latest)).mtimeMs).toBe(mtime);
  }, 180_000);

  it('refuses to write the committed report from a --quick or partial run', async () => {
    for (const args of [['--quick', '--out=bench/results/latest.md'], ['--only=jobs', '--out=bench/results/latest.md']]) {
      const error = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { timeout: 60_000 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 1 });
      expect(String((error as { stderr: string }).stderr)).toContain('refusing to write bench/results/latest.md');
    }
  }, 120_000);
});

describe('bench/compare.ts', () => {
  it('matches rows by their leading text columns and prints before → after with the change', () => {
    const a = ['# r', '## 1. Start', '', '| N | contender | µs |', '| --- | --- | ---: |', '| 1k | sv | 100.0 |', '| 1k | base | 50.0 |', ''].join('\n');
    const b = ['# r', '## 1. Start', '', '| N | contender | µs |', '| --- | --- | ---: |', '| 1k | base | 50.0 |', '| 1k | sv | 80.0 |', '| 10k | sv | 90.0 |', ''].join('\n');
    const out = compareMarkdown(a, b, 'before.md', 'after.md');
    expect(out).toContain('| 1k | sv | 100.0 → 80.0 (-20 %) |');
    expect(out).toContain('| 1k | base | 50.0 |');
    expect(out).toContain('| 10k | sv | – → 90.0 |');
  });
});
