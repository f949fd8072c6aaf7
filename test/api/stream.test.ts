import { afterEach, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { call, delay, openStream, send, startHarness, TOKEN, type Harness } from './helpers.js';
import { upgradeStatus } from '../helpers/http.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/** A stream message as the tests read it. */
interface Msg {
  type: string;
  id?: string;
  status?: { state: string; incarnation: number; report?: { seq?: number } };
  statuses?: unknown[];
}

describe('GET /v1/events', () => {
  it('sends a snapshot, then every change of the status model in order', async () => {
    h = await startHarness();
    const { api, supervisor } = h;
    await send(api.url, 'POST', '/v1/accounts', { id: 'a', credentials: 'cred-a-secret' });
    await supervisor.waitFor('a', 'running');

    const client = await openStream(api.url);
    // An independent listener on the read model, from the same moment on.
    const expected: Record<string, unknown>[] = [];
    const sub = supervisor.statusModel.on('changed', ({ id, status }) => expected.push(status ? { type: 'status', id, state: status.state, incarnation: status.incarnation } : { type: 'removed', id }));
    await client.until((m) => m.length >= 1);
    expect(client.messages[0]).toMatchObject({ type: 'snapshot', statuses: [expect.objectContaining({ id: 'a', state: 'running' })] });

    await send(api.url, 'POST', '/v1/accounts', { id: 'b', credentials: 'cred-b-secret' });
    await send(api.url, 'PATCH', '/v1/accounts/a', { settings: { v: 2 } });
    await call(api.url, '/v1/accounts/b/disable', { method: 'POST' });
    await call(api.url, '/v1/accounts/b', { method: 'DELETE' });
    await supervisor.waitFor('a', 'running');
    await client.until((m) => m.length === expected.length + 1);
    sub.unsubscribe();

    const received = (client.messages.slice(1) as unknown as Msg[]).map((m) => (m.type === 'status' ? { type: 'status', id: m.id, state: m.status!.state, incarnation: m.status!.incarnation } : m));
    expect(received).toEqual(expected);
    expect(received.at(-1)).toEqual({ type: 'removed', id: 'b' });
    expect(received.filter((m) => m.id === 'a')).toEqual([
      { type: 'status', id: 'a', state: 'cancelling', incarnation: 1 },
      { type: 'status', id: 'a', state: 'cleaned', incarnation: 1 },
      { type: 'status', id: 'a', state: 'loading', incarnation: 2 },
      { type: 'status', id: 'a', state: 'running', incarnation: 2 },
    ]);
    expect(JSON.stringify(client.messages)).not.toMatch(/cred-[ab]-secret/);
    client.ws.close();
    await client.closed;
  });

  it('accepts the token as ?token= (browsers); refuses a missing or wrong token and other paths', async () => {
    h = await startHarness();
    const viaQuery = await openStream(h.api.url, { query: true });
    await viaQuery.until((m) => m[0]?.type === 'snapshot');
    viaQuery.ws.close();
    expect(await upgradeStatus(h.api.port, '/v1/events', {})).toBe(401);
    expect(await upgradeStatus(h.api.port, '/v1/events', { Authorization: 'Bearer wrong-token-123456789' })).toBe(403);
    expect(await upgradeStatus(h.api.port, '/v1/events?token=wrong-token-123456789', {})).toBe(403);
    expect(await upgradeStatus(h.api.port, '/v1/accounts', { Authorization: `Bearer ${TOKEN}` })).toBe(404);
    expect(await upgradeStatus(h.api.port, '/v1/events', { Authorization: `Bearer ${TOKEN}` })).toBe(101);
  });

  it('a client that never reads is cut off (4008) while the others and the supervisor keep going', async () => {
    h = await startHarness({ eventBufferLimit: 256 * 1024 });
    const { api, supervisor, contexts } = h;
    await send(api.url, 'POST', '/v1/accounts', { id: 'a' });
    await supervisor.waitFor('a', 'running');
    const healthy = await openStream(api.url);
    const stuck = await openStream(api.url);
    await stuck.until((m) => m.length >= 1);
    (stuck.ws as unknown as { _socket: Socket })._socket.pause();

    const pad = 'x'.repeat(16 * 1024);
    let reports = 0;
    const cut = async () => /statevisor_api_stream_cut_total 1/.test((await call(api.url, '/metrics')).text);
    const started = Date.now();
    while (!(await cut())) {
      expect(Date.now() - started, 'the stuck client was never cut off').toBeLessThan(20_000);
      for (let i = 0; i < 64; i += 1) {
        contexts.get('a')!.report({ seq: (reports += 1), pad });
        if (i % 4 === 3) await delay(1);
      }
    }
    // The supervisor answered throughout and still does; the healthy client got every change in order.
    await send(api.url, 'POST', '/v1/accounts', { id: 'after' });
    await supervisor.waitFor('after', 'running', { timeoutMs: 2_000 });
    const messages = () => healthy.messages as unknown as Msg[];
    await healthy.until(() => messages().some((x) => x.id === 'after' && x.status?.state === 'running'), 10_000);
    const seqs = messages().flatMap((m) => (m.id === 'a' && m.status?.report?.seq !== undefined ? [m.status.report.seq] : []));
    expect(seqs).toEqual(Array.from({ length: reports }, (_, i) => i + 1));
    expect((await call(api.url, '/metrics')).text).toMatch(/^statevisor_api_stream_clients 1$/m);

    (stuck.ws as unknown as { _socket: Socket })._socket.resume();
    const { code } = await stuck.closed;
    expect([4008, 1006]).toContain(code);
    healthy.ws.close();
  }, 40_000);

  it('on close(): a final { type: "shutdown" } and a 1001 close', async () => {
    h = await startHarness();
    const client = await openStream(h.api.url);
    await client.until((m) => m.length >= 1);
    await h.api.close({ timeoutMs: 2_000 });
    const { code } = await client.closed;
    expect(code).toBe(1001);
    expect(client.messages.at(-1)).toEqual({ type: 'shutdown' });
    expect(await call(h.api.url, '/health', { token: null }).catch((e: NodeJS.ErrnoException) => e.code)).toBe('ECONNREFUSED');
  });

  it('close() does not wait for a client that never reads beyond its deadline', async () => {
    h = await startHarness();
    const stuck = await openStream(h.api.url);
    await stuck.until((m) => m.length >= 1);
    (stuck.ws as unknown as { _socket: Socket })._socket.pause();
    const started = Date.now();
    await h.api.close({ timeoutMs: 300 });
    expect(Date.now() - started).toBeLessThan(2_000);
    (stuck.ws as unknown as { _socket: Socket })._socket.resume();
    await stuck.closed;
  });
});
