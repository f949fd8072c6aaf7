/** The session worker under the supervisor, against the real simulator on loopback. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSupervisor, memoryStore, type Supervisor } from '../../src/index.js';
import { websocketSession } from '../../src/sessions/websocketSession.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { delay, silent } from '../helpers/supervisor.js';

let sim: Simulator;
let sup: Supervisor;
beforeEach(async () => {
  sim = await createSimulator();
});
afterEach(async () => {
  await sup.shutdown({ timeoutMs: 3_000 });
  await sim.close();
});

async function supervise(session: Partial<Parameters<typeof websocketSession>[0]> = {}, restartMinMs = 20) {
  sup = createSupervisor({
    worker: websocketSession({ url: sim.url, heartbeatIntervalMs: 100, heartbeatTimeoutMs: 150, closeTimeoutMs: 300, ...session }),
    store: memoryStore(),
    logger: silent,
    cancelTimeoutMs: 1_000,
    restart: { backoff: { minMs: restartMinMs, maxMs: restartMinMs * 4, jitter: 'full' } },
  });
  await sup.start();
  return sup;
}

const connected = (s: { state: string; report?: Record<string, unknown> }) => s.state === 'running' && s.report?.connected === true;

describe('supervised sessions against the simulator', () => {
  it('rejected credentials: suspended at once, never retried', async () => {
    await supervise();
    await sup.add({ id: 'acc', credentials: 'bad-token' });
    const status = await sup.waitFor('acc', 'suspended');
    expect(status).toMatchObject({ restarts: 0, suspendedBecause: 'nonRetryable', lastError: { code: 'CREDENTIALS_REJECTED' } });
    await delay(150);
    expect(sim.stats().totalConnections).toBe(1);
  });

  it('a banned account is suspended without retries', async () => {
    await supervise();
    await sup.add({ id: 'acc', credentials: 'tok' });
    await sup.waitFor('acc', connected);
    sim.ban('acc');
    const status = await sup.waitFor('acc', 'suspended');
    expect(status.lastError?.code).toBe('ACCOUNT_BANNED');
    await delay(150);
    expect(sim.sessions('acc')).toBe(0);
  });

  it('a dropped connection restarts with backoff', async () => {
    await supervise();
    await sup.add({ id: 'acc', credentials: 'tok' });
    await sup.waitFor('acc', connected);
    sim.drop('acc');
    await sup.waitFor('acc', (s) => s.state === 'backoff' && s.nextRestartAt !== undefined);
    const back = await sup.waitFor('acc', (s) => connected(s) && s.incarnation === 2);
    expect(back.restarts).toBe(1);
    expect(sim.maxConcurrent('acc')).toBe(1);
  });

  it('a half-open connection fails by heartbeat timeout and comes back', async () => {
    await supervise();
    await sup.add({ id: 'acc', credentials: 'tok' });
    await sup.waitFor('acc', connected);
    const started = Date.now();
    sim.halfOpen('acc', true);
    const failed = await sup.waitFor('acc', (s) => s.lastError?.code === 'HEARTBEAT_TIMEOUT');
    // heartbeatTimeoutMs + one interval is 250 ms; the worker-level test holds that bound, this one
    // leaves room for a loaded machine while still far below any OS-level TCP timeout.
    expect(failed.since - started).toBeLessThan(1_000);
    sim.halfOpen('acc', false);
    await sup.waitFor('acc', (s) => connected(s) && s.incarnation >= 2);
  });

  it('an outage refusing connections: accounts come back after it, nobody suspended', async () => {
    await supervise({}, 30);
    for (let i = 0; i < 5; i++) await sup.add({ id: `acc-${i}`, credentials: 'tok' });
    for (let i = 0; i < 5; i++) await sup.waitFor(`acc-${i}`, connected);
    sim.refuseConnections(600);
    for (let i = 0; i < 5; i++) sim.drop(`acc-${i}`);
    await delay(300);
    expect(sup.list().filter((s) => s.state === 'suspended')).toEqual([]);
    for (let i = 0; i < 5; i++) await sup.waitFor(`acc-${i}`, (s) => connected(s) && s.incarnation > 1, { timeoutMs: 10_000 });
    for (let i = 0; i < 5; i++) expect(sim.maxConcurrent(`acc-${i}`)).toBe(1);
  });

  it('updating credentials while connected: the old session closes before the new one registers', async () => {
    await supervise();
    await sup.add({ id: 'acc', credentials: 'tok-1' });
    await sup.waitFor('acc', connected);
    for (let i = 2; i <= 4; i++) {
      await sup.update('acc', { credentials: `tok-${i}` });
      await sup.waitFor('acc', (s) => connected(s) && s.incarnation === i);
    }
    expect(sim.closeCodes('acc')).toEqual([1000, 1000, 1000]);
    // A burst of quick updates, without waiting in between.
    await Promise.all([5, 6, 7, 8].map((i) => sup.update('acc', { credentials: `tok-${i}` })));
    await sup.waitFor('acc', (s) => connected(s) && s.incarnation === 8);
    expect(sim.maxConcurrent('acc')).toBe(1);
    expect(sim.violations()).toEqual([]);
  });

  it('auto-replies to pushed messages through the job runner, in order', async () => {
    await supervise();
    await sup.add({ id: 'acc', credentials: 'tok', settings: { keywords: [{ match: 'price', reply: '10 €' }], defaultReply: 'thanks' } });
    await sup.waitFor('acc', connected);
    sim.push('acc', 'what is the price?');
    sim.push('acc', 'hello');
    await sup.waitFor('acc', (s) => s.report?.messagesOut === 2);
    expect(sim.replies('acc').map((r) => r.text)).toEqual(['10 €', 'thanks']);
  });
});
