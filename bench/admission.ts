/**
 * The start curve of 10,000 real WebSocket sessions, with and without admission control, counted
 * where a platform sees it: registrations per second at the bundled simulator, run as its own
 * process.
 *
 *   npx tsx bench/admission.ts [--accounts 10000] [--rate 500]
 *
 * Prints a markdown table (seconds since start → registrations in that second) for both runs.
 */
import { pino } from 'pino';
import { createSupervisor } from '../src/createSupervisor.js';
import { memoryStore } from '../src/persistence/memoryStore.js';
import { websocketSession } from '../src/sessions/websocketSession.js';
import { startSimulatorProcess } from '../test/helpers/simulatorProcess.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

type Admission = { startsPerSecond: number; burst: number; holdUntil: 'ready' };

/** Starts `accounts` sessions against a simulator of their own (its own process, as a platform is) and reads its registrations. */
async function curve(accounts: number, admission: Admission | undefined): Promise<{ perSecond: number[]; allMs: number; peak: number }> {
  const sim = await startSimulatorProcess(['--rate', '0']);
  try {
    const store = memoryStore();
    for (let i = 0; i < accounts; i += 1) await store.put({ id: `acct-${i}`, enabled: true, credentials: `tok-${i}`, settings: {} });
    const supervisor = createSupervisor({
      logger: pino({ level: 'silent' }),
      store,
      worker: websocketSession({ url: sim.url }),
      // A connect refused by a busy simulator retries soon, as in the test, not after up to a minute.
      restart: { backoff: { minMs: 100, maxMs: 1_000 } },
      shutdownTimeoutMs: 30_000,
      ...(admission ? { admission } : {}),
    });
    const began = Date.now();
    await supervisor.start();
    const deadline = began + 120_000;
    while (supervisor.list().some((a) => a.state !== 'running' || a.report?.connected !== true) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const stats = await sim.client.stats();
    await supervisor.shutdown({ timeoutMs: 30_000 });
    const firsts: number[] = [];
    const registeredAt: number[] = [];
    for (const account of Object.values(stats.accounts)) {
      if (account.timeline[0]) firsts.push(account.timeline[0].registeredAt);
      for (const span of account.timeline) registeredAt.push(span.registeredAt);
    }
    registeredAt.sort((a, b) => a - b);
    const perSecond: number[] = [];
    for (const t of registeredAt) {
      const s = Math.floor((t - began) / 1000);
      perSecond[s] = (perSecond[s] ?? 0) + 1;
    }
    let peak = 0;
    for (let x = 0, y = 0; x < registeredAt.length; x += 1) {
      while (registeredAt[x]! - registeredAt[y]! >= 1_000) y += 1;
      peak = Math.max(peak, x - y + 1);
    }
    return { perSecond: Array.from(perSecond, (n) => n ?? 0), allMs: Math.max(...firsts) - began, peak };
  } finally {
    await sim.stop();
  }
}

const accounts = arg('accounts', 10_000);
const rate = arg('rate', 500);
const without = await curve(accounts, undefined);
// holdUntil 'ready' (the daemon's setting): a start counts until its session registered.
const withGate = await curve(accounts, { startsPerSecond: rate, burst: rate, holdUntil: 'ready' });
const rows = Math.max(without.perSecond.length, withGate.perSecond.length);
console.log(`## Start curve of ${accounts.toLocaleString('en')} sessions (registrations per second at the simulator)\n`);
console.log(`| second | without admission | admission ${rate}/s, burst ${rate} |`);
console.log('|---:|---:|---:|');
for (let s = 0; s < rows; s += 1) console.log(`| ${s} | ${without.perSecond[s] ?? 0} | ${withGate.perSecond[s] ?? 0} |`);
console.log(`\nall registered: ${(without.allMs / 1000).toFixed(1)} s without, ${(withGate.allMs / 1000).toFixed(1)} s with; most in any one-second window: ${without.peak} without, ${withGate.peak} with`);
