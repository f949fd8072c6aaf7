import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { accountOf, call, errorOf, send, startHarness, TOKEN, type Harness } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function harness(): Promise<Harness> {
  h = await startHarness();
  return h;
}

describe('accounts: happy paths over real HTTP', () => {
  it('add, list, get, update, disable, enable, restart, reload, remove', async () => {
    const { api, store, supervisor } = await harness();
    expect((await call(api.url, '/v1/accounts')).json).toEqual({ accounts: [] });

    const added = await send(api.url, 'POST', '/v1/accounts', { id: 'shop 1/a', credentials: 'top-secret-credential', settings: { v: 1 } });
    expect(added.status).toBe(201);
    expect(added.headers.location).toBe('/v1/accounts/shop%201%2Fa');
    expect(accountOf(added)).toMatchObject({ id: 'shop 1/a', enabled: true });
    expect(added.text).not.toContain('top-secret-credential');
    expect(await store.loadAll()).toEqual([{ id: 'shop 1/a', enabled: true, credentials: 'top-secret-credential', settings: { v: 1 } }]);
    await supervisor.waitFor('shop 1/a', 'running');

    const list = await call(api.url, '/v1/accounts');
    expect(list.status).toBe(200);
    expect(list.headers['content-type']).toBe('application/json; charset=utf-8');
    expect((list.json as { accounts: unknown[] }).accounts).toEqual([expect.objectContaining({ id: 'shop 1/a', state: 'running', incarnation: 1 })]);
    const one = await call(api.url, '/v1/accounts/shop%201%2Fa');
    expect(accountOf(one)).toMatchObject({ id: 'shop 1/a', state: 'running' });

    const patched = await send(api.url, 'PATCH', '/v1/accounts/shop%201%2Fa', { settings: { v: 2 } });
    expect(patched.status).toBe(200);
    expect(accountOf(patched).incarnation).toBe(2);
    expect((await store.get('shop 1/a'))?.settings).toEqual({ v: 2 });
    expect(patched.text).not.toContain('top-secret-credential');

    const disabled = await call(api.url, '/v1/accounts/shop%201%2Fa/disable', { method: 'POST' });
    expect(accountOf(disabled)).toMatchObject({ state: 'disabled', enabled: false });
    expect((await store.get('shop 1/a'))?.enabled).toBe(false);
    const enabled = await call(api.url, '/v1/accounts/shop%201%2Fa/enable', { method: 'POST' });
    expect(accountOf(enabled)).toMatchObject({ enabled: true });
    await supervisor.waitFor('shop 1/a', 'running');

    const restarted = await send(api.url, 'POST', '/v1/accounts/shop%201%2Fa/restart', {});
    expect(restarted.status).toBe(200);
    expect(accountOf(restarted).incarnation).toBe(4);

    await store.put({ id: 'external', enabled: true, settings: {} });
    const reload = await call(api.url, '/v1/reload', { method: 'POST' });
    expect(reload.status).toBe(200);
    expect((reload.json as { reload: unknown }).reload).toMatchObject({ added: ['external'], removed: [], changed: [], unchanged: 1 });

    const removed = await call(api.url, '/v1/accounts/shop%201%2Fa', { method: 'DELETE' });
    expect(removed).toMatchObject({ status: 200, json: { removed: 'shop 1/a' } });
    expect((await call(api.url, '/v1/accounts/shop%201%2Fa')).status).toBe(404);
    expect((await store.loadAll()).map((a) => a.id)).toEqual(['external']);
  });

  it('GET /health needs no token: 200 while running, with the supervisor state', async () => {
    const { api } = await harness();
    const res = await call(api.url, '/health', { token: null });
    expect(res).toMatchObject({ status: 200, json: { status: 'ok', live: true, ready: true, supervisor: 'running' } });
  });

  it('GET /health is 503 when the ready hook says no', async () => {
    let ready = false;
    h = await startHarness({ ready: () => ready });
    expect((await call(h.api.url, '/health', { token: null })).status).toBe(503);
    ready = true;
    expect((await call(h.api.url, '/health', { token: null })).status).toBe(200);
  });

  it('GET /v1/events without an upgrade is 426', async () => {
    const { api } = await harness();
    const res = await call(api.url, '/v1/events');
    expect(res.status).toBe(426);
    expect(errorOf(res).code).toBe('UPGRADE_REQUIRED');
  });
});

describe('errors: each status, with a JSON body { error: { code, message, field? } }', () => {
  it('401 without a token, 401 for another scheme, 403 with a wrong token: every endpoint but /health', async () => {
    const { api } = await harness();
    const endpoints: [string, string][] = [
      ['GET', '/v1/accounts'], ['POST', '/v1/accounts'], ['GET', '/v1/accounts/a'], ['PATCH', '/v1/accounts/a'], ['DELETE', '/v1/accounts/a'],
      ['POST', '/v1/accounts/a/restart'], ['POST', '/v1/accounts/a/enable'], ['POST', '/v1/accounts/a/disable'], ['POST', '/v1/reload'], ['GET', '/metrics'],
      ['GET', '/nope'],
    ];
    for (const [method, path] of endpoints) {
      const none = await call(api.url, path, { method, token: null });
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="statevisor"');
      expect(errorOf(none).code).toBe('UNAUTHORIZED');
      const basic = await call(api.url, path, { method, token: null, headers: { Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` } });
      expect(basic.status).toBe(401);
      const wrong = await call(api.url, path, { method, token: 'wrong-token-0123456789' });
      expect(wrong.status, `${method} ${path}`).toBe(403);
      expect(errorOf(wrong).code).toBe('FORBIDDEN');
      expect(wrong.text).not.toContain(TOKEN);
    }
  });

  it('400 for invalid input, naming the field; nothing stored', async () => {
    const { api, store } = await harness();
    const cases: [unknown, string][] = [
      [{ id: '' }, 'id'],
      [{ id: 'a', settings: [1] }, 'settings'],
      [{ id: 'a', enabled: 'yes' }, 'enabled'],
      [{ id: 'a', colour: 'red' }, 'colour'],
      [{ id: 'a', restart: { backoff: { minMs: -1 } } }, 'restart.backoff.minMs'],
      [[1, 2], '(account)'],
      [null, '(account)'],
    ];
    for (const [body, field] of cases) {
      const res = await send(api.url, 'POST', '/v1/accounts', body);
      expect(res.status).toBe(400);
      expect(errorOf(res)).toMatchObject({ code: 'INVALID_ACCOUNT', field });
      expect(errorOf(res).message).toContain(`"${field}"`);
    }
    await send(api.url, 'POST', '/v1/accounts', { id: 'a' });
    const before = await store.loadAll();
    const bad = await send(api.url, 'PATCH', '/v1/accounts/a', { settings: 'x' });
    expect(errorOf(bad)).toMatchObject({ code: 'INVALID_ACCOUNT', field: 'settings' });
    const rename = await send(api.url, 'PATCH', '/v1/accounts/a', { id: 'b' });
    expect(errorOf(rename)).toMatchObject({ code: 'INVALID_ACCOUNT', field: 'id' });
    expect(await store.loadAll()).toEqual(before);
  });

  it('400 for malformed JSON, an empty body, bad percent-encoding', async () => {
    const { api } = await harness();
    const json = { 'Content-Type': 'application/json' };
    const malformed = await call(api.url, '/v1/accounts', { method: 'POST', headers: json, body: '{"id":' });
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed).code).toBe('INVALID_JSON');
    const notUtf8 = await call(api.url, '/v1/accounts', { method: 'POST', headers: json, body: Buffer.from([0x22, 0xff, 0xfe, 0x22]) });
    expect(errorOf(notUtf8).code).toBe('INVALID_JSON');
    const empty = await call(api.url, '/v1/accounts', { method: 'POST', headers: json });
    expect(empty.status).toBe(400);
    const badPath = await call(api.url, '/v1/accounts/%E0%A4%A');
    expect(badPath.status).toBe(400);
    expect(errorOf(badPath).code).toBe('INVALID_PATH');
  });

  it('404 for an unknown account (every account endpoint) or route', async () => {
    const { api } = await harness();
    for (const [method, path] of [['GET', '/v1/accounts/ghost'], ['DELETE', '/v1/accounts/ghost'], ['POST', '/v1/accounts/ghost/restart'], ['POST', '/v1/accounts/ghost/enable'], ['POST', '/v1/accounts/ghost/disable']]) {
      const res = await call(api.url, path!, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(errorOf(res).code).toBe('ACCOUNT_NOT_FOUND');
    }
    expect(errorOf(await send(api.url, 'PATCH', '/v1/accounts/ghost', {})).code).toBe('ACCOUNT_NOT_FOUND');
    for (const path of ['/v2/accounts', '/v1/accounts/a/b/c', '/v1/accounts/', '//evil.example/x']) {
      const res = await call(api.url, path);
      expect(res.status, path).toBe(404);
      expect(errorOf(res).code).toBe('NOT_FOUND');
    }
  });

  it('405 with Allow for a known path and a wrong method', async () => {
    const { api } = await harness();
    const res = await call(api.url, '/v1/accounts', { method: 'PUT' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, POST');
    expect(errorOf(res).code).toBe('METHOD_NOT_ALLOWED');
    expect((await call(api.url, '/health', { method: 'POST', token: null })).status).toBe(405);
    expect((await call(api.url, '/v1/accounts/a/restart')).status).toBe(405);
  });

  it('409 for an existing id, and for restarting a disabled account', async () => {
    const { api, store } = await harness();
    await send(api.url, 'POST', '/v1/accounts', { id: 'a', settings: { v: 1 } });
    const dup = await send(api.url, 'POST', '/v1/accounts', { id: 'a', settings: { v: 2 } });
    expect(dup.status).toBe(409);
    expect(errorOf(dup).code).toBe('ACCOUNT_EXISTS');
    expect((await store.get('a'))?.settings).toEqual({ v: 1 });
    await call(api.url, '/v1/accounts/a/disable', { method: 'POST' });
    const restart = await call(api.url, '/v1/accounts/a/restart', { method: 'POST' });
    expect(restart.status).toBe(409);
    expect(errorOf(restart).code).toBe('ACCOUNT_DISABLED');
  });

  it('413 for a body over 64 KiB: declared (nothing read) or chunked (reading stops)', async () => {
    const { api, store } = await harness();
    const big = JSON.stringify({ id: 'big', settings: { pad: 'x'.repeat(70_000) } });
    const declared = await call(api.url, '/v1/accounts', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: big });
    expect(declared.status).toBe(413);
    expect(errorOf(declared).code).toBe('PAYLOAD_TOO_LARGE');
    expect(declared.headers.connection).toBe('close');
    const chunked = await call(api.url, '/v1/accounts', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: big, chunked: true });
    expect(chunked.status).toBe(413);
    // Padded in the credentials: settings have their own, smaller limit (SETTINGS_LIMITS, tested in hardening.test.ts).
    const exactly = JSON.stringify({ id: 'edge', credentials: 'x'.repeat(65_536 - 30) });
    expect(Buffer.byteLength(exactly)).toBe(65_536);
    expect((await call(api.url, '/v1/accounts', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: exactly })).status).toBe(201);
    expect((await store.loadAll()).map((a) => a.id)).toEqual(['edge']);
  });

  it('413 arrives without the client sending the rest: the server stops reading at the limit', async () => {
    const { api } = await harness();
    const head = (extra: string) =>
      `POST /v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n${extra}\r\n`;
    // Declares 10 MB, sends 1 KB, never the rest.
    expect(await rawStatus(api.port, head('Content-Length: 10000000\r\n') + ' '.repeat(1_024))).toBe(413);
    // Chunked: one 70 KB chunk, no terminating chunk.
    expect(await rawStatus(api.port, `${head('Transfer-Encoding: chunked\r\n')}${(70_000).toString(16)}\r\n${' '.repeat(70_000)}\r\n`)).toBe(413);
  });

  it('415 for a body that is not application/json', async () => {
    const { api, store } = await harness();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx']) {
      const res = await call(api.url, '/v1/accounts', { method: 'POST', headers: { 'Content-Type': type }, body: '{"id":"a"}' });
      expect(res.status, type).toBe(415);
      expect(errorOf(res).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    expect((await call(api.url, '/v1/accounts', { method: 'POST', body: '{"id":"a"}' })).status).toBe(415);
    expect((await call(api.url, '/v1/accounts', { method: 'POST' })).status).toBe(415);
    const charset = await call(api.url, '/v1/accounts', { method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: '{"id":"a"}' });
    expect(charset.status).toBe(201);
    expect((await call(api.url, '/v1/accounts/a/restart', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'now' })).status).toBe(415);
    expect((await store.loadAll()).map((a) => a.id)).toEqual(['a']);
  });

  it('503 for commands and /health once the supervisor is shutting down or stopped', async () => {
    const { api, supervisor, store } = await harness();
    await send(api.url, 'POST', '/v1/accounts', { id: 'a' });
    await supervisor.shutdown({ timeoutMs: 2_000 });
    const res = await send(api.url, 'POST', '/v1/accounts', { id: 'b' });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(errorOf(res).code).toBe('SHUTTING_DOWN');
    expect((await call(api.url, '/v1/accounts/a/restart', { method: 'POST' })).status).toBe(503);
    expect((await call(api.url, '/health', { token: null })).json).toMatchObject({ ready: false, supervisor: 'stopped' });
    expect((await call(api.url, '/health', { token: null })).status).toBe(503);
    expect((await store.loadAll()).map((a) => a.id)).toEqual(['a']);
  });

  it('503 (not started) before supervisor.start(), /health says starting', async () => {
    const { createSupervisor, memoryStore } = await import('../../src/index.js');
    const { createControlApi } = await import('../../src/api/index.js');
    const { silent, cooperativeWorker } = await import('./helpers.js');
    const supervisor = createSupervisor({ worker: cooperativeWorker().worker, store: memoryStore(), logger: silent });
    const api = await createControlApi({ supervisor, port: 0, token: TOKEN, logger: silent });
    try {
      const health = await call(api.url, '/health', { token: null });
      expect(health).toMatchObject({ status: 503, json: { ready: false, supervisor: 'starting' } });
      const res = await send(api.url, 'POST', '/v1/accounts', { id: 'a' });
      expect(res.status).toBe(503);
      expect(errorOf(res).code).toBe('NOT_STARTED');
    } finally {
      await api.close();
      await supervisor.shutdown();
    }
  });
});

describe('protocol edge cases', () => {
  it('a request Node cannot parse gets a JSON 400 (no body for HEAD)', async () => {
    const { api } = await harness();
    const unknown = await rawExchange(api.port, 'BREW /v1/accounts HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(unknown).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(unknown).toContain('"code":"BAD_REQUEST"');
    const head = await rawExchange(api.port, 'HEAD /health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toMatch(/Content-Length: 0\r\n/);
  });

  it('junk after a complete request does not turn its answer into a 400', async () => {
    const { api, store } = await harness();
    await send(api.url, 'POST', '/v1/accounts', { id: 'a' });
    const reply = await rawExchange(api.port, `DELETE /v1/accounts/a HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\nEA% @ta)`);
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(reply).not.toContain('400 Bad Request');
    expect(await store.loadAll()).toEqual([]);
  });
});

/** Sends `data` on a raw TCP connection and resolves with everything received until the server closes it (bounded: 5 s). */
function rawExchange(port: number, data: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server did not close the connection within 5 s'));
    }, 5_000);
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.write(data);
  });
}

/** Writes `data` on a raw TCP connection, never ends it, and resolves with the status line's code (bounded: 5 s). */
function rawStatus(port: number, data: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no response within 5 s'));
    }, 5_000);
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (!match) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(Number(match[1]));
    });
    socket.on('error', () => {});
    socket.write(data);
  });
}
