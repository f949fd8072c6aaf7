import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

// The bench itself must keep running as the code under it changes: `--smoke` runs every scenario
// with tiny N in a few seconds. This checks the report's shape, never its figures.
describe('bench/run.ts --smoke', () => {
  it('runs every scenario to completion and prints the report with each heading', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--smoke'], {
      timeout: 90_000,
      maxBuffer: 16 * 2 ** 20,
    });
    expect(stdout).toMatch(/^# statevisor benchmarks \(smoke\)$/m);
    for (const row of ['CPU', 'Node', 'xstate', 'date']) expect(stdout).toMatch(new RegExp(`^\\| ${row} \\| .+ \\|$`, 'm'));
    for (const heading of [
      '## Targets',
      '## 1. Start',
      '## 2. Shutdown',
      '## 3. Commands',
      '## 4. Restart storm',
      '## 5. Sessions',
      '## 6. Store',
      '## 7. Jobs',
      '## 8. Inspection',
    ]) {
      expect(stdout).toMatch(new RegExp(`^${heading.replace(/[.]/g, '\\.')}$`, 'm'));
    }
    // Every target row says PASS, MISS or n/a; no scenario crashed.
    expect(stdout).toMatch(/\*\*(PASS|MISS)\*\*/);
    expect(stdout).not.toContain('failed:');
    expect(stdout).not.toContain('⚠');
    // The baselines ran beside statevisor.
    expect(stdout).toContain('standalone lifecycle actors (baseline)');
    expect(stdout).toContain('AbortController + promise (floor)');
  }, 120_000);
});
