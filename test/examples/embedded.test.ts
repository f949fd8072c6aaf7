import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('examples/embedded.ts', () => {
  it('runs to completion as a real program and shuts down cleanly', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/embedded.ts'], { timeout: 30_000 });
    expect(stdout).toMatch(/^shop-1: running \(incarnation 1\)$/m);
    expect(stdout).toMatch(/^shop-2: running \(incarnation 1\)$/m);
    expect(stdout).toMatch(/^stopped: 2 cancelled, 0 forced, in \d+ ms$/m);
    expect(stdout).toContain('"accountId":"shop-1"');
    expect(stdout).not.toContain('demo-token');
  });
});
