import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSimulatorClient } from '../../src/simulator/index.js';
import { killDaemon, msg, runCli, startDaemonProcess, type DaemonProcess } from './daemonProcess.js';

let dir: string;
let daemon: DaemonProcess | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'statevisor-daemon-'));
});
afterEach(async () => {
  await killDaemon(daemon);
  daemon = undefined;
  await rm(dir, { recursive: true, force: true });
});


describe('statevisor start, as a real process', () => {
  it('empty data dir → three demo accounts reach their states → SIGTERM → exit 0, data file intact', async () => {
    daemon = startDaemonProcess(['start', '--api-port', '0', '--inspect', '--inspect-port', '0', '--shutdown-timeout', '5000', '--log-level', 'debug'], { cwd: dir });
    const running = await daemon.waitForLine(msg('statevisor running'));
    await daemon.waitForLine(msg('session registered', 'demo-healthy'));
    await daemon.waitForLine(msg('session registered', 'demo-flaky'));
    const suspended = await daemon.waitForLine(msg('suspended', 'demo-rejected'));
    expect(suspended.cause).toBe('nonRetryable');

    // The healthy account answers a customer through the simulator.
    const sim = createSimulatorClient(String(running.upstream));
    await sim.push('demo-healthy', 'what is the price?', 'alice');
    const reply = await daemon.waitForLine(msg('replied to', 'demo-healthy'));
    expect(reply.msg).toContain('It is 10 € today.');

    // The control API on the address it logged, with the token generated into the data directory.
    const api = String(running.api);
    const token = (await readFile(path.join(dir, 'data', 'api-token'), 'utf8')).trim();
    expect(daemon.stderr()).toContain(token); // printed once, on stderr, never in a log line
    expect(JSON.stringify(daemon.lines)).not.toContain(token);
    expect((await fetch(`${api}/health`)).status).toBe(200);
    expect((await fetch(`${api}/v1/accounts`)).status).toBe(401);
    const listed = (await (await fetch(`${api}/v1/accounts`, { headers: { authorization: `Bearer ${token}` } })).json()) as { accounts: { id: string; state: string }[] };
    expect(Object.fromEntries(listed.accounts.map((a) => [a.id, a.state]))).toMatchObject({ 'demo-healthy': 'running', 'demo-rejected': 'suspended' });
    // The operator CLI finds the daemon and its token from the data directory.
    const at = ['--url', api, '--data-dir', path.join(dir, 'data')];
    const cli = await runCli(['accounts', 'get', 'demo-rejected', '--json', ...at], dir);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ id: 'demo-rejected', state: 'suspended', suspendedBecause: 'nonRetryable' });
    // add → status shows it running → disable → remove, through the CLI against the daemon.
    expect((await runCli(['accounts', 'add', 'cli-shop', '--credentials-env', 'CLI_SHOP_TOKEN', ...at], dir, { CLI_SHOP_TOKEN: 'tok-cli' })).code).toBe(0);
    await daemon.waitForLine(msg('session registered', 'cli-shop'));
    const status = await runCli(['status', '--json', ...at], dir);
    expect((JSON.parse(status.stdout) as { id: string; state: string }[]).find((s) => s.id === 'cli-shop')?.state).toBe('running');
    expect(JSON.parse((await runCli(['accounts', 'disable', 'cli-shop', '--json', ...at], dir)).stdout)).toMatchObject({ state: 'disabled' });
    expect((await runCli(['accounts', 'remove', 'cli-shop', ...at], dir)).code).toBe(0);
    const gone = await runCli(['accounts', 'get', 'cli-shop', ...at], dir);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('cli-shop');

    const started = Date.now();
    daemon.child.kill('SIGTERM');
    const { code } = await daemon.exited();
    expect(code).toBe(0);
    expect((await runCli(['status', '--url', api, '--data-dir', path.join(dir, 'data')], dir)).code).toBe(3);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(daemon.lines.find(msg('statevisor stopped'))).toMatchObject({ cancelled: 2, forced: 0 });
    const file = JSON.parse(await readFile(path.join(dir, 'data', 'statevisor.json'), 'utf8')) as { accounts: { id: string }[] };
    expect(file.accounts.map((a) => a.id).sort()).toEqual(['demo-flaky', 'demo-healthy', 'demo-rejected']);
    expect(JSON.stringify(daemon.lines)).not.toContain('demo-token-healthy');
  });

  it('a second SIGINT during a slow shutdown exits at once with 130', async () => {
    daemon = startDaemonProcess(['start', '--api-port', '0', '--shutdown-timeout', '8000'], { cwd: dir });
    const running = await daemon.waitForLine(msg('statevisor running'));
    await daemon.waitForLine(msg('session registered', 'demo-healthy'));
    await createSimulatorClient(String(running.upstream)).closeSlowly(10_000);
    daemon.child.kill('SIGINT');
    await daemon.waitForLine(msg('SIGINT: shutting down'));
    const started = Date.now();
    daemon.child.kill('SIGINT');
    const { code } = await daemon.exited();
    expect(code).toBe(130);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('bad configuration: one clear message naming the key, exit 2, nothing started', async () => {
    await writeFile(path.join(dir, 'statevisor.config.json'), JSON.stringify({ shutdownTimeoutMs: 'soon', colour: 'red' }));
    daemon = startDaemonProcess(['start'], { cwd: dir });
    const { code } = await daemon.exited();
    expect(code).toBe(2);
    expect(daemon.stderr()).toMatch(/"shutdownTimeoutMs" \(from .*statevisor\.config\.json\)/);
    expect(daemon.lines).toEqual([]);
  });

  it('bad flag and unknown key are named too', async () => {
    await writeFile(path.join(dir, 'statevisor.config.json'), JSON.stringify({ colour: 'red' }));
    daemon = startDaemonProcess(['start'], { cwd: dir });
    expect((await daemon.exited()).code).toBe(2);
    expect(daemon.stderr()).toContain('"colour"');
    await rm(path.join(dir, 'statevisor.config.json'));
    daemon = startDaemonProcess(['start', '--log-level', 'loud'], { cwd: dir });
    expect((await daemon.exited()).code).toBe(2);
    expect(daemon.stderr()).toContain('"logLevel" (from command-line flags)');
  });

  it('an unreachable data directory is named, exit 2', async () => {
    await writeFile(path.join(dir, 'blocker'), 'a file, not a directory');
    daemon = startDaemonProcess(['start', '--data-file', 'blocker/sub/statevisor.json'], { cwd: dir });
    expect((await daemon.exited()).code).toBe(2);
    expect(daemon.stderr()).toContain(path.join(dir, 'blocker', 'sub'));
  });
});

describe('statevisor simulate, as a real process', () => {
  it('prints its listening address and serves the protocol until SIGTERM', async () => {
    const sim = startDaemonProcess(['simulate', '--port', '0'], { cwd: dir });
    daemon = sim;
    const line = await sim.waitForLine((l) => typeof l.listening === 'string');
    const stats = await createSimulatorClient(String(line.listening)).stats();
    expect(stats.totalConnections).toBe(0);
    sim.child.kill('SIGTERM');
    expect((await sim.exited()).code).toBe(0);
  });
});
