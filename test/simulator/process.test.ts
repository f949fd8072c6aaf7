// The simulator as its own process: spawned with tsx, it prints its listening line, serves a
// client, obeys the HTTP control channel, and exits 0 on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { createSimulatorClient } from '../../src/simulator/index.js';
import { registerClient } from './helpers.js';

const children: ChildProcess[] = [];

afterAll(() => {
  // Safety net only: each test waits for its process to exit.
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function spawnSimulator(args: string[]): ChildProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/main.ts', ...args], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(proc);
  return proc;
}

function firstLine(proc: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout! });
    const timer = setTimeout(() => (lines.close(), reject(new Error('no listening line in time'))), timeoutMs);
    lines.once('line', (line) => (clearTimeout(timer), lines.close(), resolve(line)));
    proc.once('exit', (code) => (clearTimeout(timer), lines.close(), reject(new Error(`exited early with ${code}`))));
  });
}

function exited(proc: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('did not exit in time')), timeoutMs);
    proc.once('exit', (code) => (clearTimeout(timer), resolve(code)));
  });
}

describe('simulator process', () => {
  it('prints {"listening":…}, serves a session, and exits 0 on SIGTERM', async () => {
    const child = spawnSimulator(['--port', '0', '--rate', '0']);
    const { listening } = JSON.parse(await firstLine(child, 15_000)) as { listening: string };
    expect(listening).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);

    const client = await registerClient(listening, 'remote-1');
    const remote = createSimulatorClient(listening);
    await remote.push('remote-1', 'over the wire');
    expect((await client.next('message')).text).toBe('over the wire');
    expect((await remote.stats()).accounts['remote-1']).toMatchObject({ sessions: 1, maxConcurrent: 1 });

    const exit = exited(child, 10_000);
    child.kill('SIGTERM');
    expect((await client.closed).code).toBe(1001);
    expect(await exit).toBe(0);
  });

  it('refuses a non-loopback host without --allow-remote (exit code 2)', async () => {
    const proc = spawnSimulator(['--host', '0.0.0.0']);
    let stderr = '';
    proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect(await exited(proc, 15_000)).toBe(2);
    expect(stderr).toMatch(/allow-?Remote/i);
  });
});
