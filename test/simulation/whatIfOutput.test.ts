/**
 * `statevisor what-if` on a known scenario: the numbers it prints are checked against what the
 * scenario implies and against its own JSON, not against a snapshot of text.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetReport } from '../../src/simulation/report.js';
import { statevisor } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'statevisor-whatif-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// 60 accounts for 2 simulated hours; a 5-minute outage of every account at 1h; 2% of the
// accounts get their credentials revoked; the daemon's config file sets the restart policy.
const ARGS = ['--accounts', '60', '--hours', '2', '--outage', '5m@1h', '--reject', '2%', '--seed', '7', '--policy', 'statevisor.config.json'];
const CONFIG = { dataFile: 'data/statevisor.json', restart: { backoff: { minMs: 5_000, maxMs: 60_000 }, intensity: { maxRestarts: 22, withinMs: 900_000 } }, cancelTimeoutMs: 5_000 };

describe('what-if on a known scenario', () => {
  it('prints the numbers the scenario implies, the same in text and JSON, and writes the chart', async () => {
    await writeFile(path.join(dir, 'statevisor.config.json'), JSON.stringify(CONFIG));
    const json = await statevisor(['what-if', ...ARGS, '--json', '--chart', 'fleet.svg'], dir);
    expect(json.code, json.err).toBe(0);
    const report = JSON.parse(json.out) as FleetReport & { chart: string };
    expect(report.accounts).toBe(60);
    expect(report.durationMs).toBe(2 * 3_600_000);
    expect(report.policy.intensity).toEqual({ maxRestarts: 22, withinMs: 900_000 });

    // Revoked credentials suspend at once and only those (a 5-minute outage suspends nobody under
    // this policy, the property DEFAULT_RESTART_POLICY is documented to have).
    const [rejected] = report.suspended.groups;
    expect(report.suspended.groups).toHaveLength(1);
    expect(rejected).toMatchObject({ cause: 'nonRetryable', code: 'CREDENTIALS_REJECTED' });
    expect(rejected!.count).toBeGreaterThanOrEqual(1);
    expect(rejected!.count).toBeLessThanOrEqual(6);
    expect(report.suspended.total).toBe(rejected!.count);

    // The outage: every account connected at 1h lost its session, all of them came back, and each
    // dropped account needed at least one restart.
    const [outage] = report.outages;
    expect(outage).toMatchObject({ atMs: 3_600_000, durationMs: 300_000, share: 1, suspended: 0 });
    const connectedBefore = report.timeline.connected[Math.floor(3_600_000 / report.timeline.bucketMs) - 1]!;
    expect(outage!.dropped).toBe(connectedBefore);
    expect(outage!.back).toBe(outage!.dropped);
    expect(outage!.allBackAfterMs).not.toBeNull();
    // Backoff caps at 60 s and a connect takes seconds at most: everyone is back within ~2 minutes.
    expect(outage!.allBackAfterMs!).toBeLessThan(2 * 60_000);
    expect(report.restarts.median).toBeGreaterThanOrEqual(1);
    expect(report.restarts.total).toBeGreaterThanOrEqual(outage!.dropped);
    expect(report.restarts.max).toBeGreaterThanOrEqual(report.restarts.p99);
    // The first restarts after the drop are spread over [0, 5 s): some second holds ≥ dropped / 5.
    expect(outage!.peakReconnectsPerSecondDuring).toBeGreaterThanOrEqual(Math.ceil(outage!.dropped / 5));
    expect(report.leaked).toBe(0);

    // The text report says the same numbers.
    const text = await statevisor(['what-if', ...ARGS], dir);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain(`trace ${report.trace}`);
    expect(text.out).toMatch(new RegExp(`median ${report.restarts.median}, p99 ${report.restarts.p99}, max ${report.restarts.max} \\(total ${report.restarts.total.toLocaleString('en-US')}\\)`));
    expect(text.out).toMatch(new RegExp(`accounts suspended +${report.suspended.total}\\n`));
    expect(text.out).toMatch(new RegExp(`${rejected!.count} +non-retryable error CREDENTIALS_REJECTED`));
    expect(text.out).toContain(`dropped ${outage!.dropped} sessions`);
    expect(text.out).toContain(`peak reconnects/s    ${outage!.peakReconnectsPerSecond} after it`);
    expect(text.out).toMatch(/all back \d+m?\d*s? after it ended; \d+ back, 0 suspended instead/);
    expect(text.out).toMatch(/accounts leaked +0\n/);

    // The chart: an SVG with both series and the outage shaded.
    const svg = await readFile(path.join(dir, 'fleet.svg'), 'utf8');
    expect(report.chart).toBe(path.join(dir, 'fleet.svg'));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('accounts connected');
    expect(svg).toContain('reconnects per second');
    expect(svg.match(/fill="#f4b6b6"/g)).toHaveLength(2);
    expect(svg).toContain(`trace ${report.trace}`);
  }, 60_000);
});
