/**
 * `statevisor what-if` with bad input: exit code 2, a message naming what was wrong, and nothing
 * run or written (no chart file appears).
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDuration, parseOutages, parseRate, parseShare } from '../../src/cli/whatIf.js';
import { statevisor } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'statevisor-whatif-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectUsage(argv: string[], ...named: RegExp[]): Promise<void> {
  const before = await readdir(dir);
  const run = await statevisor(['what-if', ...argv, '--chart', 'out.svg'], dir);
  expect(run.code, run.err).toBe(2);
  for (const n of named) expect(run.err).toMatch(n);
  expect(run.out).toBe('');
  expect(await readdir(dir)).toEqual(before);
}

describe('what-if: bad input exits 2 naming it', () => {
  it('an unknown flag', async () => {
    await expectUsage(['--acounts', '10'], /unknown option '--acounts'/);
  });

  it('a policy file that is not JSON, has an unknown key, or a wrong value', async () => {
    await writeFile(path.join(dir, 'broken.json'), '{"backoff": {"minMs": 100,}}');
    await expectUsage(['--policy', 'broken.json'], /--policy/, /broken\.json is not valid JSON/);
    await writeFile(path.join(dir, 'typo.json'), JSON.stringify({ backof: { minMs: 100 } }));
    await expectUsage(['--policy', 'typo.json'], /--policy/, /"backof" is not a known key/);
    await writeFile(path.join(dir, 'negative.json'), JSON.stringify({ backoff: { minMs: -5 } }));
    await expectUsage(['--policy', 'negative.json'], /--policy/, /"backoff\.minMs"/);
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ dataFile: 'x.json', restart: { intensity: { maxRestarts: 'ten' } } }));
    await expectUsage(['--policy', 'config.json'], /--policy/, /"restart\.intensity\.maxRestarts"/);
    await expectUsage(['--policy', 'missing.json'], /--policy: cannot read .*missing\.json \(ENOENT\)/);
    // The bad files themselves stay; nothing else was written.
  });

  it('an outage longer than the run, and malformed outages, rates and shares', async () => {
    await expectUsage(['--hours', '1', '--outage', '30m@45m'], /--outage/, /ends after the run \(--hours 1\)/);
    await expectUsage(['--outage', '5m2h'], /--outage/, /"5m2h" is not LENGTH@START/);
    await expectUsage(['--crash-rate', 'often'], /--crash-rate/);
    await expectUsage(['--reject', '150%'], /--reject/);
    await expectUsage(['--accounts', '0'], /--accounts must be a whole number ≥ 1/);
    await expectUsage(['--threads', '0'], /--threads must be a whole number ≥ 1/);
    await writeFile(path.join(dir, 'escalate.json'), JSON.stringify({ onIntensityExceeded: 'escalate' }));
    await expectUsage(['--policy', 'escalate.json', '--threads', '2', '--accounts', '10'], /threads cannot be 2: the policy escalates/);
  });
});

describe('what-if flag syntax', () => {
  it('durations, outages, rates and shares', () => {
    expect(parseDuration('5m', 'x')).toBe(300_000);
    expect(parseDuration('1.5h', 'x')).toBe(5_400_000);
    expect(parseDuration('250ms', 'x')).toBe(250);
    expect(parseOutages('5m@2h,30m@10h:50%')).toEqual([
      { durationMs: 300_000, atMs: 7_200_000 },
      { durationMs: 1_800_000, atMs: 36_000_000, share: 0.5 },
    ]);
    expect(parseRate('0.01/h')).toBeCloseTo(0.01);
    expect(parseRate('0.24/d')).toBeCloseTo(0.01);
    expect(parseRate('1/m')).toBe(60);
    expect(parseShare('0.1%', 'x')).toBeCloseTo(0.001);
    expect(parseShare('0.25', 'x')).toBe(0.25);
  });
});
