import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, send, startHarness, TOKEN, type Harness } from './helpers.js';

// Near misses of the real token: each must be refused everywhere. A comparison written with
// `startsWith` in either direction, or one that ignores a character, would accept one of them
// (mutation testing found that the fuzz test alone let such a bug through).
const NEAR_MISSES: Record<string, string> = {
  'a prefix': TOKEN.slice(0, -1),
  'a short prefix': TOKEN.slice(0, 4),
  'a suffix added': `${TOKEN}x`,
  'the token twice': `${TOKEN}${TOKEN}`,
  'one character changed': `${TOKEN.slice(0, 10)}${TOKEN[10] === 'a' ? 'b' : 'a'}${TOKEN.slice(11)}`,
  'the last character changed': `${TOKEN.slice(0, -1)}${TOKEN.endsWith('0') ? '1' : '0'}`,
  'different case': TOKEN.toUpperCase(),
};

// Every authenticated route, with a body where it takes one.
const ROUTES: { method: string; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/v1/accounts' },
  { method: 'POST', path: '/v1/accounts', body: { id: 'intruder', credentials: 'x' } },
  { method: 'GET', path: '/v1/accounts/a' },
  { method: 'PATCH', path: '/v1/accounts/a', body: { enabled: false } },
  { method: 'DELETE', path: '/v1/accounts/a' },
  { method: 'POST', path: '/v1/accounts/a/restart' },
  { method: 'POST', path: '/v1/accounts/a/enable' },
  { method: 'POST', path: '/v1/accounts/a/disable' },
  { method: 'POST', path: '/v1/reload' },
  { method: 'GET', path: '/metrics' },
];

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.supervisor.add({ id: 'a', credentials: 'secret-a' });
  await h.supervisor.waitFor('a', 'running');
});
afterAll(async () => {
  await h.stop();
});

/** Opens /v1/events and resolves with the HTTP status of a refused upgrade, or 101 if it opened. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('upgrade neither accepted nor refused within 5 s'));
    }, 5_000);
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(101);
      ws.close();
    });
    ws.once('error', () => undefined);
  });
}

describe('the API token: near misses are refused on every route and on the stream', () => {
  for (const [what, token] of Object.entries(NEAR_MISSES)) {
    it(`${what} gets 403 everywhere and changes nothing`, async () => {
      const before = { accounts: await h.store.loadAll(), status: h.supervisor.status('a') };
      for (const route of ROUTES) {
        const res = route.body === undefined
          ? await call(h.api.url, route.path, { method: route.method, token })
          : await send(h.api.url, route.method, route.path, route.body, { token });
        expect(res.status, `${route.method} ${route.path} with ${what}`).toBe(403);
      }
      const ws = h.api.url.replace(/^http/, 'ws');
      expect(await upgradeStatus(`${ws}/v1/events`, { Authorization: `Bearer ${token}` })).toBe(403);
      expect(await upgradeStatus(`${ws}/v1/events?token=${encodeURIComponent(token)}`, {})).toBe(403);
      expect(await h.store.loadAll()).toEqual(before.accounts);
      expect(h.supervisor.status('a')?.incarnation).toBe(before.status?.incarnation);
    });
  }

  it('the real token is accepted on the same routes (so the refusals above are about the token)', async () => {
    expect((await call(h.api.url, '/v1/accounts')).status).toBe(200);
    expect((await call(h.api.url, '/metrics')).status).toBe(200);
    const ws = h.api.url.replace(/^http/, 'ws');
    expect(await upgradeStatus(`${ws}/v1/events`, { Authorization: `Bearer ${TOKEN}` })).toBe(101);
    expect(await upgradeStatus(`${ws}/v1/events?token=${encodeURIComponent(TOKEN)}`, {})).toBe(101);
  });
});
