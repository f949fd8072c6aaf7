/**
 * `statevisor why` across a restart of the process: the daemon (a real child process with its
 * embedded simulator and the demo accounts) records a suspension, a restart after a dropped
 * session and a command; after SIGTERM and a new start on the same data directory, `why` still
 * shows them, and explains each account's state.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSimulatorClient } from '../../src/simulator/index.js';
import { killDaemon, msg, runCli, startDaemonProcess, type DaemonProcess } from '../daemon/daemonProcess.js';

let dir: string;
let daemon: DaemonProcess | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'statevisor-why-e2e-'));
});
afterEach(async () => {
  await killDaemon(daemon);
  daemon = undefined;
  await rm(dir, { recursive: true, force: true });
});


async function startDaemon(): Promise<{ api: string; upstream: string }> {
  daemon = startDaemonProcess(['start', '--api-port', '0', '--shutdown-timeout', '5000'], { cwd: dir });
  const running = await daemon.waitForLine(msg('statevisor running'));
  return { api: String(running.api), upstream: String(running.upstream) };
}

describe('statevisor why, across a restart of the daemon', () => {
  it('keeps the suspension, the restart and the command, and explains each state', async () => {
    const first = await startDaemon();
    await daemon!.waitForLine(msg('suspended', 'demo-rejected'));
    await daemon!.waitForLine(msg('session registered', 'demo-flaky'));
    const at = (api: string) => ['--url', api, '--data-dir', path.join(dir, 'data')];
    // A dropped session: the supervisor restarts demo-flaky.
    await createSimulatorClient(first.upstream).drop('demo-flaky');
    await daemon!.waitForLine(msg('restart in', 'demo-flaky'));
    // A command.
    expect((await runCli(['accounts', 'disable', 'demo-healthy', ...at(first.api)], dir)).code).toBe(0);
    daemon!.child.kill('SIGTERM');
    expect((await daemon!.exited()).code).toBe(0);

    const second = await startDaemon();
    const rejected = await runCli(['why', 'demo-rejected', ...at(second.api)], dir, { TZ: 'UTC' });
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toContain('decision: suspended (non-retryable error)');
    expect(rejected.stdout).toContain('CREDENTIALS_REJECTED');
    expect(rejected.stdout.trimEnd().split('\n').at(-1)).toMatch(/^demo-rejected is suspended since \d\d:\d\d:\d\d because its worker failed with an error that says restarting cannot help \(CREDENTIALS_REJECTED\)/);

    const flaky = await runCli(['why', 'demo-flaky', ...at(second.api)], dir, { TZ: 'UTC' });
    expect(flaky.stdout).toMatch(/#1 +decision: restart in /);

    const healthy = await runCli(['why', 'demo-healthy', ...at(second.api)], dir, { TZ: 'UTC' });
    expect(healthy.stdout).toContain('command: disable');
    expect(healthy.stdout.trimEnd().split('\n').at(-1)).toMatch(/^demo-healthy is disabled since \d\d:\d\d:\d\d by a disable command; `statevisor accounts enable demo-healthy` starts it\.$/);
    for (const out of [rejected.stdout, flaky.stdout, healthy.stdout]) expect(out).not.toContain('demo-token');

    daemon!.child.kill('SIGTERM');
    expect((await daemon!.exited()).code).toBe(0);
  }, 60_000);
});
