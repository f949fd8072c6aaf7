/** The daemon's admission settings: on by default, from the config file, environment and flags; bad values named. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DAEMON_DEFAULTS, loadConfig } from '../../src/daemon/config.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));
function cwd(): string {
  dir = mkdtempSync(path.join(tmpdir(), 'statevisor-admission-config-'));
  return dir;
}

describe('daemon admission configuration', () => {
  it('is on by default: 50 starts per second, burst 50, at most 200 starting', () => {
    expect(loadConfig({ cwd: cwd(), env: {}, flags: {} }).admission).toEqual({ startsPerSecond: 50, burst: 50, maxStarting: 200 });
    expect(DAEMON_DEFAULTS.admission.startsPerSecond).toBe(50);
  });

  it('layers config file < environment < flags, key by key', () => {
    const at = cwd();
    writeFileSync(path.join(at, 'statevisor.config.json'), JSON.stringify({ admission: { startsPerSecond: 5, burst: 7 } }));
    const config = loadConfig({ cwd: at, env: { STATEVISOR_START_BURST: '9' }, flags: { 'admission.maxStarting': 3 } });
    expect(config.admission).toEqual({ startsPerSecond: 5, burst: 9, maxStarting: 3 });
    expect(loadConfig({ cwd: at, env: {}, flags: { 'admission.startsPerSecond': 0 } }).admission.startsPerSecond).toBe(0);
  });

  it('names a bad value and where it came from', () => {
    expect(() => loadConfig({ cwd: cwd(), env: {}, flags: { 'admission.startsPerSecond': -1 } })).toThrow(/"admission.startsPerSecond" \(from command-line flags\)/);
    expect(() => loadConfig({ cwd: cwd(), env: { STATEVISOR_START_BURST: '0' }, flags: {} })).toThrow(/"admission.burst" \(from environment variables\)/);
  });
});
