/**
 * Scenario 5: WebSocket sessions. N supervised accounts run the session worker against the
 * simulator in a second process; the same N plain `ws` clients (connect, register, heartbeat,
 * nothing else) are the baseline, in the same run.
 *
 * Measured: time until every session is registered, RSS per live session, CPU while idle, and
 * event-loop delay p50/p99 over an idle window with heartbeats running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import WebSocket from 'ws';
import { websocketSession } from '../../src/sessions/websocketSession.js';
import { createSupervisor, memoryStore } from '../../src/index.js';
import { fmt } from '../lib/stats.js';

const HEARTBEAT_MS = 15_000;
const LOOP_RESOLUTION_MS = 10;

interface SessionFigures {
  n: number;
  connectMs: number;
  rssPerSession: number;
  idleCpuPct: number;
  loopP50Ms: number;
  loopP99Ms: number;
}

/** Runs the sessions scenario; returns markdown. */
export async function runSessionsBench(options: { quick?: boolean } = {}): Promise<string | undefined> {
  const sizes = options.quick ? [1_000] : [1_000, 10_000];
  const idleMs = options.quick ? 3_000 : 10_000;
  const rows: string[] = [];
  for (const n of sizes) {
    const sim = await startSimulatorProcess();
    try {
      const plain = await measure(n, idleMs, () => plainClients(sim.url, n));
      const supervised = await measure(n, idleMs, () => supervisedSessions(sim.url, n));
      rows.push(row('plain ws clients (baseline)', plain), row('statevisor + websocketSession', supervised));
    } finally {
      sim.child.kill('SIGTERM');
    }
  }
  return [
    `Sessions against the simulator in a second process, heartbeat every ${HEARTBEAT_MS / 1000} s, idle window ${idleMs / 1000} s.`,
    '',
    '| contender | sessions | connect all (ms) | RSS per session | CPU while idle | event-loop delay p50 / p99 (ms) |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

function row(name: string, f: SessionFigures): string {
  return `| ${name} | ${fmt(f.n)} | ${fmt(f.connectMs)} | ${fmt(f.rssPerSession / 1024, 1)} KiB | ${fmt(f.idleCpuPct, 1)} % | ${fmt(f.loopP50Ms, 1)} / ${fmt(f.loopP99Ms, 1)} |`;
}

async function measure(n: number, idleMs: number, start: () => Promise<() => Promise<void>>): Promise<SessionFigures> {
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const stop = await start();
  const connectMs = performance.now() - t0;
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const cpu0 = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  global.gc?.();
  const rssPerSession = (process.memoryUsage().rss - rssBefore) / n;
  await stop();
  return {
    n,
    connectMs,
    rssPerSession,
    idleCpuPct: ((cpu.user + cpu.system) / 1000 / idleMs) * 100,
    // The histogram records the whole timer interval: the delay is what exceeds it.
    loopP50Ms: Math.max(0, loop.percentile(50) / 1e6 - LOOP_RESOLUTION_MS),
    loopP99Ms: Math.max(0, loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS),
  };
}

async function supervisedSessions(url: string, n: number): Promise<() => Promise<void>> {
  const sup = createSupervisor({
    worker: websocketSession({ url, heartbeatIntervalMs: HEARTBEAT_MS, heartbeatTimeoutMs: 10_000, connectTimeoutMs: 60_000, registerTimeoutMs: 60_000 }),
    store: memoryStore(),
    logger: pino({ level: 'silent' }),
    waitTimeoutMs: 120_000,
  });
  await sup.start();
  await Promise.all(Array.from({ length: n }, (_, i) => sup.add({ id: `s-${i}`, credentials: `tok-${i}` })));
  await Promise.all(Array.from({ length: n }, (_, i) => sup.waitFor(`s-${i}`, (s) => s.report?.connected === true)));
  return async () => void (await sup.shutdown({ timeoutMs: 60_000 }));
}

async function plainClients(url: string, n: number): Promise<() => Promise<void>> {
  const sockets: WebSocket[] = [];
  const timers: NodeJS.Timeout[] = [];
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(url);
        sockets.push(ws);
        ws.on('open', () => ws.send(JSON.stringify({ type: 'register', accountId: `p-${i}`, token: `tok-${i}` })));
        ws.on('message', (data: Buffer) => {
          if ((JSON.parse(data.toString()) as { type: string }).type !== 'registered') return;
          let seq = 0;
          timers.push(setInterval(() => ws.send(JSON.stringify({ type: 'heartbeat', seq: ++seq })), HEARTBEAT_MS));
          resolve();
        });
        ws.on('error', reject);
      }),
    ),
  );
  return async () => {
    timers.forEach(clearInterval);
    await Promise.all(sockets.map((ws) => new Promise<void>((resolve) => (ws.once('close', () => resolve()), ws.close(1000)))));
  };
}

async function startSimulatorProcess(): Promise<{ child: ChildProcess; url: string }> {
  const main = fileURLToPath(new URL('../../src/daemon/main.ts', import.meta.url));
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const child = spawn(process.execPath, ['--import', tsx, main, 'simulate', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('simulator did not start within 20 s')), 20_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const match = /"listening":"([^"]+)"/.exec(chunk);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
  return { child, url };
}
