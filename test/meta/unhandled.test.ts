import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('the suite guards against lost promises', () => {
  it('vitest, as configured here, fails a run whose tests pass but leave a rejection unhandled', async () => {
    const result = await run(
      process.execPath,
      ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/fixtures/meta/vitest.config.ts'],
      { timeout: 60_000, env: { ...process.env, CI: 'true' } },
    ).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
    expect(result.out).toContain('1 passed');
    expect(result.out).toMatch(/Unhandled Rejection/i);
    expect(result.code).not.toBe(0);
  });
});
