// Acknowledged means durable: a child process changes the store as fast as it can and prints each
// acknowledged change; we SIGKILL it at a random moment, reopen the file (recovering the dead
// child's lock) and check that it parses and holds every acknowledged change. 20 runs, one file.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lowdbStore } from '../../src/persistence/index.js';
import { captureLogger, killHard, spawnFixture, tempDir, waitForLine } from './helpers.js';

const RUNS = 20;
const SECRET = 'crash-test-secret';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  tmp = await tempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

/** Highest acknowledged value per id, over all runs. */
const ackedVersions = new Map<string, number>();
const ackedRestarts = new Map<string, number>();

function recordAcks(stdout: string): number {
  // The last line may be cut by the kill: only complete lines count.
  const lines = stdout.split('\n').slice(0, -1);
  let count = 0;
  for (const line of lines) {
    const [kind, id, value] = line.split(' ');
    if ((kind !== 'a' && kind !== 's') || id === undefined || value === undefined) continue;
    const target = kind === 'a' ? ackedVersions : ackedRestarts;
    target.set(id, Math.max(target.get(id) ?? 0, Number(value)));
    count++;
  }
  return count;
}

async function runAndKill(): Promise<number> {
  const child = spawnFixture('crashWriter.ts', [tmp.file, SECRET]);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => void (stdout += chunk.toString('utf8')));
  try {
    await waitForLine(child, /^ready /);
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 350));
  } finally {
    await killHard(child);
  }
  expect(child.signalCode).toBe('SIGKILL');
  return recordAcks(stdout);
}

async function expectEveryAckOnDisk(): Promise<void> {
  JSON.parse(await readFile(tmp.file, 'utf8')); // parses as is, before the store touches it
  const store = await lowdbStore({ file: tmp.file, secret: SECRET, logger: captureLogger() });
  try {
    const accounts = new Map((await store.loadAll()).map((a) => [a.id, a]));
    for (const [id, version] of ackedVersions) {
      const stored = accounts.get(id);
      expect(stored, `account ${id}`).toBeDefined();
      const storedVersion = Number(stored?.settings.version);
      expect(storedVersion, `account ${id}`).toBeGreaterThanOrEqual(version);
      expect(stored?.credentials).toBe(`token-${id}-${storedVersion}`);
    }
    const supervision = await store.loadSupervision();
    for (const [id, restarts] of ackedRestarts) expect(supervision[id]?.restarts ?? 0, `supervision ${id}`).toBeGreaterThanOrEqual(restarts);
  } finally {
    await store.close();
  }
}

describe('crash safety (real child process, SIGKILL)', () => {
  it(`keeps every acknowledged change across ${RUNS} kills at random moments`, async () => {
    let total = 0;
    for (let run = 0; run < RUNS; run++) {
      total += await runAndKill();
      await expectEveryAckOnDisk();
    }
    // The test means something only if the child got changes acknowledged before dying.
    expect(total).toBeGreaterThan(RUNS * 5);
    // And the credentials never hit the disk in clear.
    expect(await readFile(tmp.file, 'utf8')).not.toMatch(/token-acc-/);
  }, 60_000);
});
