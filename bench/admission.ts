/**
 * The start curve of 10,000 real WebSocket sessions, with and without admission control, counted
 * where a platform sees it: registrations per second at the bundled simulator.
 *
 *   npx tsx bench/admission.ts [--accounts 10000] [--rate 500]
 *
 * Prints a markdown table (seconds since start → registrations in that second) for both runs.
 */
import { pino } from 'pino';
import { createSupervisor } from '../src/createSupervisor.js';
import { memoryStore } from '../src/persistence/memoryStore.js';
import { websocketSession } from '../src/sessions/websocketSession.js';
import { createSimulator } from '../src/simulator/index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

async function curve(accounts: number, admission: { startsPerSecond: number; burst: number; holdUntil: 'ready' } | undefined): Promise<{ perSecond: number[]; allMs: number; peak: number }> {
  const sim = await createSimulator({ port: 0 });
  const first = new Map<string, number>();
  const registeredAt: number[] = [];
  sim.on('registered', ({ accountId }) => {
    const now = Date.now();
    registeredAt.push(now);
    if (!first.has(accountId)) first.set(accountId, now);
  });
  const store = memoryStore();
  for (let i = 0; i < accounts; i += 1) await store.put({ id: `acct-${i}`, enabled: true, credentials: `tok-${i}`, settings: {} });
  const supervisor = createSupervisor({ logger: pino({ level: 'silent' }), store, worker: websocketSession({ url: sim.url }), shutdownTimeoutMs: 30_000, ...(admission ? { admission } : {}) });
  const began = Date.now();
  await supervisor.start();
  const deadline = began + 120_000;
  while (first.size < accounts && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const allMs = Math.max(...first.values()) - began;
  await supervisor.shutdown({ timeoutMs: 30_000 });
  await sim.close();
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
  return { perSecond: Array.from(perSecond, (n) => n ?? 0), allMs, peak };
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
