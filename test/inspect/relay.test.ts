import { request as httpRequest } from 'node:http';
import { createWebSocketReceiver, type StatelyInspectionEvent } from '@statelyai/inspect';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createActor, createMachine, type AnyActorRef, type InspectionEvent } from 'xstate';
import { createInspectionRelay, InspectorInsecureBindError, type InspectionRelay } from '../../src/inspect/index.js';
import { createSupervisor, memoryStore, type Supervisor } from '../../src/index.js';
import { cooperativeWorker, silent } from '../api/helpers.js';
import { upgradeStatus } from '../helpers/http.js';

const SECRET = 'super-secret-credential-7f3a';

let relay: InspectionRelay | undefined;
let supervisor: Supervisor | undefined;
afterEach(async () => {
  await supervisor?.shutdown({ timeoutMs: 2_000 });
  await relay?.close({ timeoutMs: 1_000 });
  supervisor = undefined;
  relay = undefined;
});

interface Frame {
  type: string;
  name?: string;
  sessionId: string;
  _version: string;
  snapshot?: { value?: unknown; status?: string; context?: Record<string, unknown> };
  event?: { type: string };
}

/** A raw `ws` client of the relay recording every frame (and whether any was binary). */
async function rawClient(url: string) {
  const ws = new WebSocket(url);
  const frames: string[] = [];
  let binary = 0;
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) binary += 1;
    frames.push(data.toString('utf8'));
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
  return { ws, frames, parsed: () => frames.map((f) => JSON.parse(f) as Frame), binary: () => binary, closed };
}

async function startSupervisor(inspect: (e: InspectionEvent) => void): Promise<Supervisor> {
  supervisor = createSupervisor({ worker: cooperativeWorker().worker, store: memoryStore(), logger: silent, inspect, cancelTimeoutMs: 200 });
  await supervisor.start();
  return supervisor;
}

async function eventually(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the inspection relay', () => {
  it('relays text frames in @statelyai/inspect format for the root and every account task, without credentials', async () => {
    relay = await createInspectionRelay({ port: 0 });
    expect(relay.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    const client = await rawClient(relay.url);
    await eventually(() => relay!.stats().clients === 1, 'the client to join');
    const sup = await startSupervisor(relay.inspect);
    await sup.add({ id: 'shop-1', credentials: SECRET, settings: { region: 'eu' } });
    await sup.waitFor('shop-1', 'running');
    await sup.update('shop-1', { credentials: `${SECRET}-2` });
    await sup.waitFor('shop-1', (s) => s.state === 'running' && s.incarnation === 2);
    await eventually(() => client.parsed().some((f) => f.name === 'accountTask:shop-1#2'), 'the second task');

    const frames = client.parsed();
    expect(client.binary()).toBe(0);
    expect(frames.every((f) => f._version === '0.7.2' && typeof f.sessionId === 'string')).toBe(true);
    const root = frames.find((f) => f.type === '@xstate.actor' && f.name === 'supervisor');
    expect(root).toBeDefined();
    expect(frames.some((f) => f.type === '@xstate.snapshot' && f.sessionId === root!.sessionId && f.snapshot?.value === 'running')).toBe(true);
    const task = frames.find((f) => f.type === '@xstate.actor' && f.name === 'accountTask:shop-1#1');
    expect(task).toBeDefined();
    expect(frames.some((f) => f.type === '@xstate.snapshot' && f.sessionId === task!.sessionId && f.snapshot?.value === 'running')).toBe(true);
    expect(frames.some((f) => f.type === '@xstate.event' && f.sessionId === task!.sessionId && f.event?.type === 'CANCEL')).toBe(true);
    for (const frame of client.frames) expect(frame).not.toContain(SECRET);
    client.ws.close();
  });

  it('feeds createWebSocketReceiver from @statelyai/inspect', async () => {
    relay = await createInspectionRelay({ port: 0 });
    const received: StatelyInspectionEvent[] = [];
    const receiver = createWebSocketReceiver({ server: relay.url });
    const sub = receiver.subscribe((event) => received.push(event));
    await eventually(() => relay!.stats().clients === 1, 'the receiver to join');
    const sup = await startSupervisor(relay.inspect);
    await sup.add({ id: 'a', credentials: SECRET });
    await sup.waitFor('a', 'running');
    await eventually(() => received.some((e) => e.type === '@xstate.snapshot' && (e.snapshot as { value?: unknown }).value === 'running' && e.sessionId !== received.find((r) => r.type === '@xstate.actor' && (r as { name: string }).name === 'supervisor')?.sessionId), 'a running task snapshot');
    const names = received.flatMap((e) => (e.type === '@xstate.actor' ? [e.name] : []));
    expect(names).toEqual(expect.arrayContaining(['supervisor', 'accountTask:a#1']));
    expect(JSON.stringify(received)).not.toContain(SECRET);
    sub.unsubscribe();
    // The receiver has no close: the relay's close() ends its socket (1001).
  });

  it('serialises nothing while no client is connected', async () => {
    relay = await createInspectionRelay({ port: 0 });
    const sup = await startSupervisor(relay.inspect);
    await sup.add({ id: 'a', credentials: SECRET });
    await sup.waitFor('a', 'running');
    await sup.restart('a');
    await sup.remove('a');
    await new Promise((r) => setTimeout(r, 20));
    expect(relay.stats()).toMatchObject({ clients: 0, serialised: 0, relayed: 0 });

    // The observer itself, on real inspection events, calls JSON.stringify zero times.
    const spy = vi.spyOn(JSON, 'stringify');
    try {
      const machine = createMachine({ id: 'm', initial: 'a', states: { a: { on: { GO: 'b' } }, b: { on: { GO: 'a' } } } });
      const actor = createActor(machine, { inspect: relay.inspect }).start();
      for (let i = 0; i < 100; i += 1) actor.send({ type: 'GO' });
      actor.stop();
      await Promise.resolve();
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }

    // With a client, the same observer does serialise: the counter is real.
    const client = await rawClient(relay.url);
    await eventually(() => relay!.stats().clients === 1, 'the client to join');
    await sup.add({ id: 'b' });
    await sup.waitFor('b', 'running');
    await eventually(() => relay!.stats().serialised > 0, 'serialisation');
    client.ws.close();
  });

  it('a client that joins late first gets the actors alive now', async () => {
    relay = await createInspectionRelay({ port: 0 });
    const sup = await startSupervisor(relay.inspect);
    await sup.add({ id: 'a', credentials: SECRET });
    await sup.add({ id: 'b' });
    await sup.waitFor('a', 'running');
    await sup.waitFor('b', 'running');
    const client = await rawClient(relay.url);
    await eventually(() => client.frames.length >= 3, 'the replay');
    const replayed = client.parsed().filter((f) => f.type === '@xstate.actor').map((f) => f.name);
    expect(replayed).toEqual(expect.arrayContaining(['supervisor', 'accountTask:a#1', 'accountTask:b#1']));
    expect(client.parsed().find((f) => f.name === 'accountTask:a#1')?.snapshot?.value).toBe('running');
    for (const frame of client.frames) expect(frame).not.toContain(SECRET);
    client.ws.close();
  });

  it('scrubs secret-named keys from every event, however deep', async () => {
    relay = await createInspectionRelay({ port: 0 });
    const client = await rawClient(relay.url);
    await eventually(() => relay!.stats().clients === 1, 'the client to join');
    const machine = createMachine({ id: 'login', context: { user: 'u', token: 'ctx-token-1', nested: { password: 'pw-2', headers: { cookie: 'c-3', Authorization: 'Bearer b-4' } } }, on: { LOGIN: {} } });
    const actor = createActor(machine, { inspect: relay.inspect }).start();
    actor.send({ type: 'LOGIN', credentials: 'cred-5', payload: { apiKey: 'k-6', list: [{ secret: 's-7' }] } });
    actor.stop();
    await eventually(() => client.parsed().some((f) => f.event?.type === 'LOGIN'), 'the LOGIN event');
    const all = client.frames.join('\n');
    for (const secret of ['ctx-token-1', 'pw-2', 'c-3', 'b-4', 'cred-5', 'k-6', 's-7']) expect(all).not.toContain(secret);
    expect(all).toContain('"token":"***"');
    expect(all).toContain('"user":"u"');
    client.ws.close();
  });

  it('survives odd snapshots: cycles, bigints, functions, deep nesting', async () => {
    relay = await createInspectionRelay({ port: 0 });
    const client = await rawClient(relay.url);
    await eventually(() => relay!.stats().clients === 1, 'the client to join');
    const cyclic: Record<string, unknown> = { n: 1n };
    cyclic.self = cyclic;
    let deep: Record<string, unknown> = {};
    const top = deep;
    for (let i = 0; i < 50; i += 1) deep = deep.next = {};
    const fakeRef = { sessionId: 'x:1', id: 'x', getSnapshot: () => ({ status: 'active' }) } as unknown as AnyActorRef;
    relay.inspect({ type: '@xstate.snapshot', actorRef: fakeRef, rootId: 'x:1', event: { type: 'E' }, snapshot: { status: 'active', context: { cyclic, top, fn: function named() {} } } as never });
    await eventually(() => client.frames.length === 1, 'the frame');
    expect(client.frames[0]).toContain('"self":"[circular]"');
    expect(client.frames[0]).toContain('"n":"1"');
    expect(client.frames[0]).toContain('"fn":{"type":"named"}');
    expect(client.frames[0]).toContain('[depth]');
    client.ws.close();
  });

  it('on close(), clients get a 1001 close', async () => {
    relay = await createInspectionRelay({ port: 0 });
    const client = await rawClient(relay.url);
    await eventually(() => relay!.stats().clients === 1, 'the client to join');
    await relay.close({ timeoutMs: 1_000 });
    expect(await client.closed).toBe(1001);
  });
});

describe('loopback only', () => {
  it('refuses a non-loopback host', async () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.1']) {
      const error = await createInspectionRelay({ host, port: 0 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InspectorInsecureBindError);
      expect((error as InspectorInsecureBindError).code).toBe('INSPECT_INSECURE_BIND');
    }
  });

  it('a port in use is a clear ApiListenError', async () => {
    relay = await createInspectionRelay({ port: 0 });
    const error = await createInspectionRelay({ port: relay.port }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'API_LISTEN_FAILED' });
    expect((error as Error).message).toContain('EADDRINUSE');
  });

  it('refuses pages from other origins and other Host headers; serves the bridge page', async () => {
    relay = await createInspectionRelay({ port: 0 });
    const port = relay.port;
    expect(await upgradeStatus(port, '/', { Origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(port, '/', { Host: `evil.example:${port}` })).toBe(403);
    expect(await upgradeStatus(port, '/', { Origin: `http://127.0.0.1:${port}` })).toBe(101);
    expect(await upgradeStatus(port, '/', {})).toBe(101);
    const page = await get(port, '/', `127.0.0.1:${port}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('https://stately.ai/inspect');
    expect(page.body).toContain("new WebSocket('ws://' + location.host");
    expect((await get(port, '/', `rebound.example:${port}`)).status).toBe(404);
    expect((await get(port, '/x', `127.0.0.1:${port}`)).status).toBe(404);
  });
});


function get(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { Host: host }, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}
