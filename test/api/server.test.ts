import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ApiInsecureBindError,
  ApiListenError,
  ApiTokenError,
  createControlApi,
  instrumentStore,
  loadOrCreateToken,
} from '../../src/api/index.js';
import { createSupervisor, memoryStore, StatevisorError, type Supervisor } from '../../src/index.js';
import { call, cooperativeWorker, send, silent, startHarness, TOKEN, type Harness } from './helpers.js';

let dir: string;
let h: Harness | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'statevisor-api-'));
});
afterEach(async () => {
  await h?.stop();
  h = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('the token file', () => {
  it('is generated once with mode 0600, then read back', async () => {
    const first = await loadOrCreateToken(path.join(dir, 'data'));
    expect(first.created).toBe(true);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.file).toBe(path.join(dir, 'data', 'api-token'));
    expect((await stat(first.file)).mode & 0o777).toBe(0o600);
    expect((await readFile(first.file, 'utf8')).trim()).toBe(first.token);
    const second = await loadOrCreateToken(path.join(dir, 'data'));
    expect(second).toEqual({ token: first.token, created: false, file: first.file });
  });

  it('a token file too short to be a token is refused, not overwritten', async () => {
    await writeFile(path.join(dir, 'api-token'), 'abc\n');
    const error = await loadOrCreateToken(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiTokenError);
    expect((error as ApiTokenError).code).toBe('API_TOKEN_INVALID');
    expect(await readFile(path.join(dir, 'api-token'), 'utf8')).toBe('abc\n');
  });

  it('createControlApi({ dataDir }) uses the file and reports a new token once', async () => {
    const supervisor = await startedSupervisor();
    const api = await createControlApi({ supervisor, port: 0, dataDir: dir, logger: silent });
    const token = api.createdToken!;
    expect(token).toBe((await readFile(path.join(dir, 'api-token'), 'utf8')).trim());
    expect((await call(api.url, '/v1/accounts', { token })).status).toBe(200);
    await api.close();
    const again = await createControlApi({ supervisor, port: 0, dataDir: dir, logger: silent });
    expect(again.createdToken).toBeUndefined();
    expect(again.tokenFile).toBe(path.join(dir, 'api-token'));
    expect((await call(again.url, '/v1/accounts', { token })).status).toBe(200);
    await again.close();
    await supervisor.shutdown();
  });
});

describe('binding', () => {
  it('refuses a non-loopback host without an explicitly configured token', async () => {
    const supervisor = await startedSupervisor();
    for (const host of ['0.0.0.0', '::', '192.0.2.1']) {
      const error = await createControlApi({ supervisor, host, port: 0, dataDir: dir, logger: silent }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiInsecureBindError);
      expect(error).toBeInstanceOf(StatevisorError);
      expect((error as ApiInsecureBindError).code).toBe('API_INSECURE_BIND');
      expect((error as Error).message).toContain(host);
    }
    // With an explicit token it starts.
    const api = await createControlApi({ supervisor, host: '0.0.0.0', port: 0, token: TOKEN, logger: silent });
    expect((await call(`http://127.0.0.1:${api.port}`, '/v1/accounts')).status).toBe(200);
    await api.close();
    await supervisor.shutdown();
  });

  it('a port in use is a clear ApiListenError', async () => {
    h = await startHarness();
    const error = await createControlApi({ supervisor: h.supervisor, port: h.api.port, token: TOKEN, logger: silent }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiListenError);
    expect((error as Error).message).toContain('EADDRINUSE');
  });

  it('refuses a short token and a missing token source', async () => {
    const supervisor = await startedSupervisor();
    await expect(createControlApi({ supervisor, port: 0, token: 'short', logger: silent })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await expect(createControlApi({ supervisor, port: 0, logger: silent })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
    await supervisor.shutdown();
  });
});

describe('unexpected errors', () => {
  it('are a generic 500 with a log line, and the server keeps serving', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk: Buffer, _e, cb) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), cb()) }));
    const supervisor = await startedSupervisor();
    const broken: Supervisor = { ...supervisor, list: () => { throw new Error('internal detail xyz'); } };
    const api = await createControlApi({ supervisor: broken, port: 0, token: TOKEN, logger });
    const res = await call(api.url, '/v1/accounts?token=leak-me');
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ error: { code: 'INTERNAL', message: 'Internal error; the daemon logged the details.' } });
    expect(res.text).not.toContain('xyz');
    const logged = lines.find((l) => String(l.msg).includes('unexpected error'));
    expect(logged).toMatchObject({ level: 50, method: 'GET', path: '/v1/accounts' });
    expect(JSON.stringify(lines)).not.toContain('leak-me');
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
    expect((await call(api.url, '/health', { token: null })).status).toBe(200);
    await api.close();
    await supervisor.shutdown();
  });
});

describe('GET /metrics', () => {
  it('serves Prometheus text: accounts by state, failures by code, restarts, suspended, leaks, event loop, store latency', async () => {
    const store = instrumentStore(memoryStore());
    let fail = true;
    const worker = cooperativeWorker();
    const supervisor = createSupervisor({
      workerFor: (account) =>
        account.id === 'flaky'
          ? async () => {
              if (fail) throw Object.assign(new Error('boom'), { code: 'E_BOOM' });
              await new Promise(() => {});
            }
          : account.id === 'banned'
            ? async () => {
                throw Object.assign(new Error('banned'), { code: 'BANNED', retryable: false });
              }
            : worker.worker,
      store,
      logger: silent,
      restart: { backoff: { minMs: 5, maxMs: 5, jitter: 'none' } },
      cancelTimeoutMs: 200,
    });
    await supervisor.start();
    const api = await createControlApi({ supervisor, port: 0, token: TOKEN, logger: silent, writeLatency: store.writeLatency });
    try {
      await send(api.url, 'POST', '/v1/accounts', { id: 'ok' });
      await send(api.url, 'POST', '/v1/accounts', { id: 'banned' });
      await send(api.url, 'POST', '/v1/accounts', { id: 'flaky' });
      await supervisor.waitFor('banned', 'suspended');
      await supervisor.waitFor('flaky', (s) => s.restarts >= 2);
      fail = false;
      await supervisor.waitFor('ok', 'running');
      const res = await call(api.url, '/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = res.text;
      expect(text).toContain('# TYPE statevisor_accounts gauge');
      expect(text).toMatch(/^statevisor_accounts\{state="suspended"\} 1$/m);
      expect(text).toMatch(/^statevisor_accounts\{state="disabled"\} 0$/m);
      expect(text).toMatch(/^statevisor_accounts_suspended\{cause="nonRetryable"\} 1$/m);
      expect(text).toMatch(/^statevisor_task_failures_total\{code="BANNED"\} 1$/m);
      expect(Number(/^statevisor_task_failures_total\{code="E_BOOM"\} (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
      expect(Number(/^statevisor_restarts_total (\d+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
      expect(text).toMatch(/^statevisor_forced_stops_total 0$/m);
      expect(text).toMatch(/^statevisor_workers_leaked 0$/m);
      expect(text).toMatch(/^statevisor_up 1$/m);
      expect(text).toMatch(/^statevisor_event_loop_delay_seconds\{quantile="0.99"\} [\d.e-]+$/m);
      expect(text).toMatch(/^statevisor_store_write_duration_seconds_count\{op="put"\} 3$/m);
      expect(text).toMatch(/^statevisor_store_write_duration_seconds_bucket\{op="put",le="\+Inf"\} 3$/m);
      expect(text).toMatch(/^statevisor_api_stream_clients 0$/m);
      // Every sample line is `name{labels} number`.
      for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? [-+\d.eInfNa]+$/);
    } finally {
      await supervisor.shutdown();
      await api.close();
    }
  });

  it('counts a worker that ignores cancellation as a forced stop and a leak', async () => {
    let release!: () => void;
    const supervisor = createSupervisor({ worker: () => new Promise<void>((r) => (release = r)), store: memoryStore(), logger: silent, cancelTimeoutMs: 50 });
    await supervisor.start();
    const api = await createControlApi({ supervisor, port: 0, token: TOKEN, logger: silent });
    try {
      await send(api.url, 'POST', '/v1/accounts', { id: 'stubborn' });
      await supervisor.waitFor('stubborn', 'running');
      await call(api.url, '/v1/accounts/stubborn/disable', { method: 'POST' });
      const text = (await call(api.url, '/metrics')).text;
      expect(text).toMatch(/^statevisor_forced_stops_total 1$/m);
      expect(text).toMatch(/^statevisor_workers_leaked 1$/m);
    } finally {
      release();
      await supervisor.shutdown();
      await api.close();
    }
  });
});

describe('instrumentStore', () => {
  it('keeps the store’s optional capabilities exactly', () => {
    const plain = instrumentStore(memoryStore());
    expect('refresh' in plain).toBe(false);
    expect('onExternalChange' in plain).toBe(false);
    let refreshed = 0;
    const withRefresh = instrumentStore({ ...memoryStore(), refresh: async () => void (refreshed += 1), onExternalChange: () => () => {} });
    expect(typeof withRefresh.refresh).toBe('function');
    expect(typeof withRefresh.onExternalChange).toBe('function');
    return withRefresh.refresh!().then(() => expect(refreshed).toBe(1));
  });

  it('records failed writes as errors and still rejects', async () => {
    const failing = instrumentStore({ ...memoryStore(), put: async () => Promise.reject(new Error('disk full')) });
    await expect(failing.put({ id: 'a', enabled: true, settings: {} })).rejects.toThrow('disk full');
    expect(failing.writeLatency.count('put')).toBe(1);
    expect(failing.writeLatency.render()).toMatch(/^statevisor_store_write_errors_total\{op="put"\} 1$/m);
  });
});

async function startedSupervisor(): Promise<Supervisor> {
  const supervisor = createSupervisor({ worker: cooperativeWorker().worker, store: memoryStore(), logger: silent });
  await supervisor.start();
  return supervisor;
}
