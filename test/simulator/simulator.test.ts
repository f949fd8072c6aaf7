// The simulator against raw ws clients: protocol, faults and its ground-truth counters.
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, createSimulatorClient, type Simulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { openClient, registerClient, sleep, waitUntil, type RawClient } from './helpers.js';

let sim: Simulator | undefined;
const clients: RawClient[] = [];

async function start(options: SimulatorOptions = {}): Promise<Simulator> {
  sim = await createSimulator(options);
  return sim;
}
async function client(accountId?: string, token?: string): Promise<RawClient> {
  const c = accountId === undefined ? await openClient(sim!.url) : await registerClient(sim!.url, accountId, token);
  clients.push(c);
  return c;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.dispose();
  await sim?.close();
  sim = undefined;
});

describe('register', () => {
  it('accepts a good token and counts the session', async () => {
    await start();
    const c = await client('a', 'tok');
    expect((c as RawClient & { sessionId: string }).sessionId).toMatch(/^s-\d+$/);
    expect(sim!.sessions('a')).toBe(1);
    expect(sim!.totalConnections).toBe(1);
  });

  it('counts an account called __proto__ like any other, in stats() and over GET /stats', async () => {
    await start();
    await client('__proto__', 'tok');
    expect(Object.keys(sim!.stats().accounts)).toEqual(['__proto__']);
    expect(sim!.stats().accounts['__proto__']?.sessions).toBe(1);
    const remote = await createSimulatorClient(sim!.url).stats();
    expect(Object.keys(remote.accounts)).toEqual(['__proto__']);
    expect(remote.accounts['__proto__']?.maxConcurrent).toBe(1);
  });

  it.each([
    ['bad-token', 4001],
    ['', 4001],
    ['banned-forever', 4003],
  ])('token %j closes with %i', async (token, code) => {
    await start();
    const c = await client();
    c.send({ type: 'register', accountId: 'a', token });
    expect((await c.closed).code).toBe(code);
    expect(sim!.sessions('a')).toBe(0);
  });

  it('takes a map of accepted tokens', async () => {
    await start({ auth: { a: 'secret' } });
    await client('a', 'secret');
    const wrong = await client();
    wrong.send({ type: 'register', accountId: 'a', token: 'other' });
    expect((await wrong.closed).code).toBe(4001);
  });

  it('closes with 4002 on a frame before register and on invalid JSON', async () => {
    await start();
    const early = await client();
    early.send({ type: 'heartbeat', seq: 1 });
    expect((await early.closed).code).toBe(4002);
    const garbage = await client();
    garbage.ws.send('{not json');
    expect((await garbage.closed).code).toBe(4002);
  });

  it('closes with 4008 when a client never registers', async () => {
    await start({ registerTimeoutMs: 100 });
    const c = await client();
    expect((await c.closed).code).toBe(4008);
  });
});

describe('traffic', () => {
  it('acks heartbeats with the same seq and answers pings', async () => {
    await start();
    const c = await client('a');
    c.send({ type: 'heartbeat', seq: 7 });
    expect((await c.next('heartbeat_ack')).seq).toBe(7);
    const pong = new Promise<void>((resolve) => c.ws.once('pong', () => resolve()));
    c.ws.ping();
    await pong;
  });

  it('pushes messages at the configured rate, cycling the texts', async () => {
    await start({ rate: 20, texts: ['one', 'two'] });
    const c = await client('a');
    await waitUntil(() => c.frames.filter((f) => f.type === 'message').length >= 3, 3_000, 'three pushed messages');
    const texts = c.frames.flatMap((f) => (f.type === 'message' ? [f.text] : []));
    expect(texts.slice(0, 3)).toEqual(['one', 'two', 'one']);
  });

  it('push() delivers to every live session of the account', async () => {
    await start();
    const c = await client('a');
    const ids = sim!.push('a', 'hello', 'bob');
    expect(ids).toHaveLength(1);
    const m = await c.next('message');
    expect(m).toEqual({ type: 'message', id: ids[0], from: 'bob', text: 'hello' });
    expect(sim!.push('nobody', 'x')).toEqual([]);
  });

  it('records replies in order', async () => {
    await start();
    const c = (await client('a')) as RawClient & { sessionId: string };
    c.send({ type: 'reply', messageId: 'm-1', text: 'first' });
    c.send({ type: 'reply', messageId: 'm-2', text: 'second' });
    await waitUntil(() => sim!.replies('a').length === 2, 3_000, 'two replies');
    expect(sim!.replies('a').map((r) => [r.messageId, r.text, r.sessionId])).toEqual([
      ['m-1', 'first', c.sessionId],
      ['m-2', 'second', c.sessionId],
    ]);
  });
});

describe('faults', () => {
  it('drop() kills the TCP connection (1006) or closes with 4000', async () => {
    await start();
    const abrupt = await client('a');
    expect(sim!.drop('a')).toBe(1);
    expect((await abrupt.closed).code).toBe(1006);
    const polite = await client('a');
    sim!.drop('a', 'close');
    expect((await polite.closed).code).toBe(4000);
    await waitUntil(() => sim!.sessions('a') === 0);
    expect(sim!.closeCodes('a')).toEqual([1006, 4000]);
  });

  it('halfOpen() swallows heartbeats, pings and pushes, and can be turned off', async () => {
    await start();
    const c = await client('a');
    sim!.halfOpen('a', true);
    let pongs = 0;
    c.ws.on('pong', () => (pongs += 1));
    c.ws.ping();
    c.send({ type: 'heartbeat', seq: 1 });
    expect(sim!.push('a', 'lost')).toEqual([]);
    await sleep(300);
    expect(pongs).toBe(0);
    expect(c.frames.filter((f) => f.type !== 'registered')).toEqual([]);
    sim!.halfOpen('a', false);
    c.send({ type: 'heartbeat', seq: 2 });
    expect((await c.next('heartbeat_ack')).seq).toBe(2);
  });

  it('rejectCredentials() and ban() close live sessions and refuse new ones until restore()', async () => {
    await start();
    const live = await client('a');
    expect(sim!.rejectCredentials('a')).toBe(1);
    expect((await live.closed).code).toBe(4001);
    const again = await client();
    again.send({ type: 'register', accountId: 'a', token: 'tok' });
    expect((await again.closed).code).toBe(4001);
    sim!.ban('a');
    const banned = await client();
    banned.send({ type: 'register', accountId: 'a', token: 'tok' });
    expect((await banned.closed).code).toBe(4003);
    sim!.restore('a');
    await client('a');
    expect(sim!.sessions('a')).toBe(1);
  });

  it('refuseConnections() answers upgrades with 503 for a while', async () => {
    await start();
    sim!.refuseConnections(300);
    await expect(openClient(sim!.url)).rejects.toThrow(/503/);
    await sleep(350);
    await client('a');
  });

  it('closeSlowly() delays the answer to a client close', async () => {
    await start();
    const c = await client('a');
    sim!.closeSlowly(300);
    const t0 = Date.now();
    c.ws.close(1000);
    expect((await c.closed).code).toBe(1000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it('sendRaw() sends a frame as it is, also after the client closed while the answer is held', async () => {
    await start();
    const c = await client('a');
    const raw: string[] = [];
    c.ws.on('message', (data, isBinary) => raw.push(`${isBinary ? 'binary' : 'text'} ${(data as Buffer).toString('utf8')}`));
    expect(sim!.sendRaw('a', '{"type":"notice","text":"maintenance"}')).toBe(1);
    expect(sim!.sendRaw('a', Buffer.from('bytes'))).toBe(1);
    await waitUntil(() => raw.length === 2, 3_000, 'two raw frames');
    expect(raw).toEqual(['text {"type":"notice","text":"maintenance"}', 'binary bytes']);
    const closes: { code: number; reason: string }[] = [];
    sim!.on('closed', ({ code, reason }) => closes.push({ code, reason }));
    sim!.closeSlowly(300);
    c.ws.close(1000, 'bye');
    await sleep(50);
    // push() stops at the client's close frame; sendRaw() does not, as a platform may not.
    expect(sim!.push('a', 'late')).toEqual([]);
    expect(sim!.sendRaw('a', 'after close')).toBe(1);
    await c.closed;
    await waitUntil(() => closes.length === 1, 3_000, 'the closed event');
    expect(raw[2]).toBe('text after close');
    expect(closes).toEqual([{ code: 1000, reason: 'bye' }]);
    expect(sim!.sendRaw('a', 'nobody left')).toBe(0);
    await client('b');
    sim!.halfOpen('b', true);
    expect(sim!.sendRaw('b', 'x')).toBe(0);
  });

  it('dropEvery() keeps dropping the account, and stops on 0', async () => {
    await start();
    sim!.dropEvery('a', 100);
    for (let i = 0; i < 2; i += 1) {
      const c = await client('a');
      expect((await c.closed).code).toBe(1006);
    }
    sim!.dropEvery('a', 0);
    await client('a');
    await sleep(250);
    expect(sim!.sessions('a')).toBe(1);
  });
});

describe('ground truth', () => {
  it('counts concurrent sessions per account and reports the violation', async () => {
    const violations: unknown[] = [];
    await start({ onViolation: (v) => violations.push(v) });
    const events: string[] = [];
    sim!.on('violation', (v) => events.push(v.accountId));
    const first = await client('a');
    await client('b');
    await client('a');
    expect(sim!.sessions('a')).toBe(2);
    expect(sim!.maxConcurrent('a')).toBe(2);
    expect(sim!.maxConcurrent('b')).toBe(1);
    expect(events).toEqual(['a']);
    expect(violations).toEqual([expect.objectContaining({ accountId: 'a', sessions: 2 })]);
    first.dispose();
    await waitUntil(() => sim!.sessions('a') === 1);
    expect(sim!.maxConcurrent('a')).toBe(2);
    expect(sim!.totalConnections).toBe(3);
    expect(sim!.stats().violations).toHaveLength(1);
  });
});

describe('lifecycle and control channel', () => {
  it('close() sends 1001 to clients, leaves no open socket and is idempotent', async () => {
    await start();
    const c = await client('a');
    await Promise.all([sim!.close(), sim!.close()]);
    expect((await c.closed).code).toBe(1001);
    expect(sim!.openSockets).toBe(0);
    await expect(openClient(sim!.url, 1_000)).rejects.toThrow();
  });

  it('is driven over HTTP by createSimulatorClient', async () => {
    await start();
    const remote = createSimulatorClient(sim!.url);
    const c = await client('a');
    expect(await remote.push('a', 'hi there')).toHaveLength(1);
    expect((await c.next('message')).text).toBe('hi there');
    expect(await remote.sendRaw('a', JSON.stringify({ type: 'message', id: 'raw-1', from: 'x', text: 'raw' }))).toBe(1);
    expect((await c.next('message')).id).toBe('raw-1');
    await remote.halfOpen('a', true);
    await remote.halfOpen('a', false);
    expect(await remote.drop('a', 'close')).toBe(1);
    expect((await c.closed).code).toBe(4000);
    const stats = await remote.stats();
    expect(stats.accounts.a).toMatchObject({ maxConcurrent: 1, closeCodes: [4000] });
    await expect(remote.send({ op: 'nope' } as never)).rejects.toThrow(/HTTP 400/);
  });

  it('refuses a non-loopback host unless allowRemote is set', async () => {
    await expect(createSimulator({ host: '0.0.0.0' })).rejects.toThrow(/allowRemote/);
  });
});
