// Embedding statevisor in an app: one supervised session per account, graceful shutdown on exit.
// Run: npx tsx examples/embedded.ts
import { setTimeout as sleep } from 'node:timers/promises';
import { createSupervisor, memoryStore, type Worker } from '../src/index.js';

// A worker: a long-lived "session" that beats every 100 ms until its signal aborts.
const session: Worker = async ({ account, signal, log, report }) => {
  log.info(`session for ${account.id} up`);
  let beats = 0;
  while (!signal.aborted) {
    report({ beats: ++beats, lastHeartbeatAt: Date.now() });
    await sleep(100, undefined, { signal }).catch(() => undefined);
  }
};

// memoryStore(): this app loads its accounts itself. Leave `store` out to keep them in ./data/statevisor.json.
const supervisor = createSupervisor({ worker: session, store: memoryStore(), restart: { backoff: { minMs: 500 } } });
await supervisor.start();
await supervisor.add({ id: 'shop-1', credentials: process.env.SHOP_1_TOKEN ?? 'demo-token' });
await supervisor.add({ id: 'shop-2', settings: { region: 'eu' } });
await supervisor.waitFor('shop-2', (s) => Number(s.report?.beats) >= 3);
for (const s of supervisor.list()) console.log(`${s.id}: ${s.state} (incarnation ${s.incarnation})`);

const stats = await supervisor.shutdown({ timeoutMs: 5_000 });
console.log(`stopped: ${stats.cancelled} cancelled, ${stats.forced} forced, in ${stats.durationMs} ms`);
