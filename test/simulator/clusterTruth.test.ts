// The simulator's idle timeout and the ground truth cluster tests rely on: staleFrames, duplicateReplies.
import { afterEach, describe, expect, it } from 'vitest';
import { parseSimulatorArgs } from '../../src/simulator/main.js';
import { createSimulator, createSimulatorClient, type Simulator } from '../../src/simulator/index.js';
import { registerClient, sleep, type RawClient } from './helpers.js';

let sim: Simulator | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.dispose();
  await sim?.close();
  sim = undefined;
});
async function client(accountId: string): Promise<RawClient & { sessionId: string }> {
  const c = await registerClient(sim!.url, accountId);
  clients.push(c);
  return c;
}

describe('idle timeout', () => {
  it('closes a session that sent nothing for idleTimeoutMs with 4008; frames (and pings) keep it open', async () => {
    sim = await createSimulator({ idleTimeoutMs: 300 });
    const silent = await client('silent');
    const chatty = await client('chatty');
    const pinger = await client('pinger');
    const started = Date.now();
    for (let i = 0; i < 8; i++) {
      chatty.send({ type: 'heartbeat', seq: i });
      pinger.ws.ping();
      await sleep(100);
    }
    const closed = await silent.closed;
    expect(closed.code).toBe(4008);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(sim.sessions('chatty')).toBe(1);
    expect(sim.sessions('pinger')).toBe(1);
    expect(sim.stats().accounts.silent?.closeCodes).toEqual([4008]);
  });

  it('is off by default, and --idle-timeout-ms sets it (bad values refused)', async () => {
    sim = await createSimulator();
    const c = await client('a');
    await sleep(400);
    expect(sim.sessions('a')).toBe(1);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    expect(parseSimulatorArgs(['--idle-timeout-ms', '2000']).idleTimeoutMs).toBe(2000);
    expect(parseSimulatorArgs([]).idleTimeoutMs).toBeUndefined();
    expect(() => parseSimulatorArgs(['--idle-timeout-ms', '-1'])).toThrow(/--idle-timeout-ms/);
    await expect(createSimulator({ idleTimeoutMs: 1.5 })).rejects.toThrow(/idleTimeoutMs/);
  });
});

describe('stale frames and duplicate replies', () => {
  it('counts frames from a session after a newer one of its account registered, and replies to one message from two sessions', async () => {
    sim = await createSimulator();
    const old = await client('a');
    old.send({ type: 'heartbeat', seq: 1 });
    await old.next('heartbeat_ack');
    expect(sim.stats().accounts.a?.staleFrames).toBe(0);
    const [messageId] = sim.push('a', 'price?');
    const fresh = await client('a');
    old.send({ type: 'heartbeat', seq: 2 });
    old.send({ type: 'reply', messageId: messageId!, text: 'old says 10' });
    fresh.send({ type: 'reply', messageId: messageId!, text: 'new says 10' });
    fresh.send({ type: 'heartbeat', seq: 1 });
    await fresh.next('heartbeat_ack');
    await sleep(50);
    const remote = await createSimulatorClient(sim.controlUrl).stats();
    expect(remote.accounts.a).toMatchObject({ staleFrames: 2, duplicateReplies: 1, maxConcurrent: 2 });
    expect(remote.accounts.a?.replies.map((r) => r.sessionId)).toEqual([old.sessionId, fresh.sessionId]);
  });
});
