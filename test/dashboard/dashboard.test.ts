import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimulatorClient, type SimulatorClient } from '../../src/simulator/index.js';
import { startDaemonProcess, type DaemonProcess } from '../daemon/daemonProcess.js';
import { launchBrowser, SCREENSHOTS, signIn, type TestBrowser, type WatchedPage } from './browser.js';
import { startSubPathProxy } from './subPathProxy.js';

// One daemon (the real process, with its bundled simulator) and one Chromium for the whole file;
// the tests run in order and build on each other's accounts.
const XSS_ID = '<img src=x onerror=alert(1)>';
const DROP_ID = 'shop-drop';

let dir: string;
let daemon: DaemonProcess | undefined;
let browser: TestBrowser;
let base: string; // http://127.0.0.1:PORT
let ui: string; // base + /ui/
let token: string;
let sim: SimulatorClient;
let tab: WatchedPage;
let page: Page;

const msg = (text: string) => (l: Record<string, unknown>) => String(l.msg).includes(text);

async function startDaemon(port = 0): Promise<void> {
  daemon = startDaemonProcess(['start', '--api-port', String(port), '--shutdown-timeout', '3000'], { cwd: dir });
  const line = await daemon.waitForLine(msg('dashboard:'));
  ui = String(line.dashboard);
  base = ui.replace(/\/ui\/$/, '');
  const running = await daemon.waitForLine(msg('statevisor running'));
  sim = createSimulatorClient(String(running.upstream));
}

async function stopDaemon(): Promise<void> {
  if (!daemon) return;
  if (daemon.child.exitCode === null) daemon.child.kill('SIGTERM');
  await daemon.exited(10_000);
  daemon = undefined;
}

interface ApiBody {
  accounts: { id: string; state: string }[];
  account: { id: string; state: string };
}

async function call(method: string, p: string, body?: unknown): Promise<{ status: number; json: ApiBody }> {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as ApiBody };
}

// Page-side code as strings: the test project has no DOM types.
const ROWS_IN_ORDER = `[...document.querySelectorAll('.scroller .vrow:not([hidden])')].sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top).map((r) => r.getAttribute('data-id'))`;
const rowsInOrder = () => page.evaluate<string[]>(ROWS_IN_ORDER);
const row = (id: string) => page.locator(`.scroller .vrow[data-id="${id.replace(/["\\]/g, '\\$&')}"]`);
const shot = (name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `dashboard-${name}.png`) });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'statevisor-dashboard-'));
  await startDaemon();
  token = (await readFile(path.join(dir, 'data', 'api-token'), 'utf8')).trim();
  // An account whose restarts take long enough to be seen, and one with a hostile id.
  expect((await call('POST', '/v1/accounts', { id: DROP_ID, credentials: 'tok-drop', restart: { backoff: { minMs: 3_000, maxMs: 3_000, jitter: 'none' } } })).status).toBe(201);
  expect((await call('POST', '/v1/accounts', { id: XSS_ID, credentials: 'tok-xss' })).status).toBe(201);
  browser = await launchBrowser();
  tab = await browser.newPage();
  page = tab.page;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stopDaemon();
  await rm(dir, { recursive: true, force: true });
});

describe('dashboard served by the daemon', () => {
  it('/ redirects to ui/ (relative), the page needs no token and carries a strict CSP; the API still does', async () => {
    const root = await fetch(`${base}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('ui/');
    const index = await fetch(ui);
    expect(index.status).toBe(200);
    const csp = index.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain('unsafe');
    const html = await index.text();
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//); // only relative URLs
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script
    expect((await fetch(`${ui}../v1/accounts`)).status).toBe(401);
    expect((await fetch(`${ui}nope.js`)).status).toBe(404);
    expect((await fetch(`${ui}%2e%2e%2fpackage.json`)).status).toBe(404);
  });

  it('a wrong token is refused and says so; the right one signs in; sign-out forgets it', async () => {
    await page.goto(ui);
    await page.getByTestId('token-input').fill('not-the-token-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('signin-error').textContent()).toContain('not valid');
    expect(await page.evaluate('sessionStorage.getItem("statevisor.token")')).toBeNull();

    await signIn(page, ui, token);
    expect(await page.evaluate('sessionStorage.getItem("statevisor.token")')).toBe(token);
    await page.getByTestId('signout').click();
    await page.getByTestId('signin').waitFor();
    expect(await page.evaluate('sessionStorage.getItem("statevisor.token")')).toBeNull();
    await page.reload();
    await page.getByTestId('signin').waitFor();
    // A token the daemon no longer accepts (it was changed): the page signs out and says why.
    await page.evaluate('sessionStorage.setItem("statevisor.token", "a-token-that-was-rotated")');
    await page.reload();
    await expect.poll(() => page.getByTestId('signin-error').textContent(), { timeout: 10_000 }).toContain('no longer accepts');
    expect(await page.evaluate('sessionStorage.getItem("statevisor.token")')).toBeNull();
    expect(tab.errors.filter((e) => !e.includes('Unexpected response code: 403'))).toEqual([]); // the refused stream, and only that
    tab.errors.length = 0;
    await signIn(page, ui, token);
  });

  it('lists every account; the hostile id shows as its characters and runs nothing', async () => {
    const { json } = await call('GET', '/v1/accounts');
    const ids = (json.accounts as { id: string }[]).map((a) => a.id).sort();
    expect(ids).toEqual([XSS_ID, 'demo-flaky', 'demo-healthy', 'demo-rejected', DROP_ID].sort());
    await expect.poll(() => page.locator('.scroller .vrow:not([hidden])').count()).toBe(ids.length);
    expect((await rowsInOrder()).sort()).toEqual(ids);
    expect(await row(XSS_ID).locator('a.id').textContent()).toBe(XSS_ID);
    expect(await page.locator('main img').count()).toBe(0);
    await expect.poll(() => row('demo-rejected').getAttribute('data-state')).toBe('suspended');
    // Suspended accounts come first in the default order.
    await expect.poll(async () => (await rowsInOrder())[0]).toBe('demo-rejected'); // the order follows within 250 ms
    await expect.poll(() => page.getByTestId('suspended-list').textContent()).toContain('demo-rejected'); // drawn at most twice a second
    await row(XSS_ID).locator('a.id').click();
    expect(await page.getByTestId('account-id').textContent()).toBe(XSS_ID);
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#/accounts/${XSS_ID}`);
    expect(await page.locator('main img').count()).toBe(0);
    await page.goBack();
    await row(XSS_ID).waitFor();
    expect(tab.errors).toEqual([]);
    // Nothing from anywhere but the daemon.
    expect(tab.requests.filter((u) => !u.startsWith(base))).toEqual([]);
  });

  it('a dropped session: the row goes to backoff with a countdown, back to running, restarts grow, without a reload', async () => {
    await expect.poll(() => row(DROP_ID).getAttribute('data-state')).toBe('running');
    const restartsBefore = Number(await row(DROP_ID).locator('.c-restarts').textContent());
    await page.evaluate('window.marker = "same page"');
    expect(await sim.drop(DROP_ID)).toBe(1);
    await expect.poll(() => row(DROP_ID).getAttribute('data-state'), { timeout: 5_000, interval: 50 }).toBe('backoff');
    expect(await row(DROP_ID).locator('.c-nextRestartAt').textContent()).toMatch(/^(in \d+ s|now)$/);
    // What needs attention comes first: suspended, then backoff, then the running ones.
    await expect.poll(async () => (await rowsInOrder()).slice(0, 2)).toEqual(['demo-rejected', DROP_ID]);
    await expect.poll(() => page.locator('figcaption').textContent(), { timeout: 2_000 }).not.toContain('(0 seen');
    await shot('fleet');
    await expect.poll(() => row(DROP_ID).getAttribute('data-state'), { timeout: 10_000 }).toBe('running');
    expect(Number(await row(DROP_ID).locator('.c-restarts').textContent())).toBe(restartsBefore + 1);
    expect(await page.evaluate('window.marker')).toBe('same page');
  });

  it('filter by text and state, sort, pin a row, pause and resume live updates', async () => {
    await page.getByTestId('filter-text').fill('demo-');
    await expect.poll(() => page.getByTestId('count').textContent()).toBe('3 of 5 accounts');
    await page.getByTestId('filter-state').selectOption('suspended');
    await expect.poll(() => page.getByTestId('count').textContent()).toBe('1 of 5 accounts');
    await page.getByTestId('filter-text').fill('');
    await page.getByTestId('filter-state').selectOption('');
    await expect.poll(() => page.getByTestId('count').textContent()).toBe('5 of 5 accounts');
    await page.locator('button.sort[data-sort="id"]').click();
    const order = rowsInOrder;
    await expect.poll(order).toEqual([XSS_ID, 'demo-flaky', 'demo-healthy', 'demo-rejected', DROP_ID]);
    await page.locator('button.sort[data-sort="id"]').click();
    await expect.poll(order).toEqual([DROP_ID, 'demo-rejected', 'demo-healthy', 'demo-flaky', XSS_ID]);

    await row('demo-healthy').locator('button.pin').click();
    await expect.poll(() => page.locator('[data-testid="pinned-rows"] .vrow').getAttribute('data-id')).toBe('demo-healthy');

    await page.getByTestId('pause').click();
    const restarts = await row(DROP_ID).locator('.c-restarts').textContent();
    expect(await sim.drop(DROP_ID)).toBe(1);
    await expect.poll(() => page.getByTestId('paused').textContent()).toMatch(/paused: [1-9]\d* waiting/);
    expect(await row(DROP_ID).getAttribute('data-state')).toBe('running');
    expect(await row(DROP_ID).locator('.c-restarts').textContent()).toBe(restarts);
    await page.getByTestId('pause').click();
    await expect.poll(() => row(DROP_ID).locator('.c-restarts').textContent(), { timeout: 10_000 }).toBe(String(Number(restarts) + 1));
    await expect.poll(() => row(DROP_ID).getAttribute('data-state'), { timeout: 10_000 }).toBe('running');
  });

  it('account page: the statechart follows the state; disable from the page → the API reports disabled; enable again', async () => {
    await page.goto(`${ui}#/accounts/${encodeURIComponent(DROP_ID)}`);
    const lit = page.locator('[data-testid="statechart"] g.node.current');
    await expect.poll(() => lit.getAttribute('data-state')).toBe('running');
    for (const state of ['loading', 'running', 'cancelling', 'failed', 'cleaned', 'backoff', 'suspended', 'disabled']) {
      expect(await page.locator(`[data-testid="statechart"] g.node[data-state="${state}"]`).count()).toBe(1);
    }
    // The flight recorder (GET …/history): the timeline of this account and the "why" sentence.
    await expect.poll(() => page.getByTestId('why').textContent(), { timeout: 10_000 }).toContain(DROP_ID);
    expect(await page.getByTestId('history').textContent()).toContain('running');
    expect(await page.getByTestId('account-report').textContent()).toContain('connected');

    await page.locator('button[data-action="disable"]').click();
    await page.getByTestId('confirm-cancel').click();
    expect((await call('GET', `/v1/accounts/${DROP_ID}`)).json.account.state).toBe('running');
    await page.locator('button[data-action="disable"]').click();
    await page.getByTestId('confirm-ok').click();
    await expect.poll(async () => (await call('GET', `/v1/accounts/${DROP_ID}`)).json.account.state).toBe('disabled');
    await expect.poll(() => lit.getAttribute('data-state')).toBe('disabled');
    expect(await lit.count()).toBe(1);

    await page.locator('button[data-action="enable"]').click();
    await page.getByTestId('confirm-ok').click();
    await expect.poll(() => lit.getAttribute('data-state'), { timeout: 10_000 }).toBe('running');
    await expect.poll(() => page.getByTestId('account-report').textContent()).toContain('connected');
    // A dropped session, seen on the chart: backoff lit, then running again.
    expect(await sim.drop(DROP_ID)).toBe(1);
    await expect.poll(() => lit.getAttribute('data-state'), { timeout: 5_000, interval: 50 }).toBe('backoff');
    expect(await page.locator('dd[data-field="Next restart"]').textContent()).toMatch(/^(in \d+ s|now) \(/);
    await expect.poll(() => lit.getAttribute('data-state'), { timeout: 10_000 }).toBe('running');
    await expect.poll(() => page.getByTestId('account-report').textContent()).toContain('connected');
    await shot('account');
  });

  it('the flight recorder, when the daemon has one: a band of states, marks, entries and the "why" sentence (fixture)', async () => {
    const t0 = Date.now() - 60_000;
    const fixture = {
      history: [
        { at: t0, kind: 'transition', incarnation: 1, from: 'loading', to: 'running', event: 'LOADED' },
        { at: t0 + 20_000, kind: 'transition', incarnation: 1, from: 'running', to: 'failed', event: 'WORKER_FAILED' },
        { at: t0 + 20_100, kind: 'error', code: 'ECONNRESET', message: '<b>socket</b> closed' },
        { at: t0 + 20_200, kind: 'decision', decision: 'restart', delayMs: 2000 },
        { at: t0 + 22_200, kind: 'transition', incarnation: 2, from: 'loading', to: 'running', event: 'LOADED' },
        { at: t0 + 40_000, kind: 'command', command: 'disable' },
      ],
      why: 'running since 10:00:22 after 1 restart; last error ECONNRESET.',
    };
    await page.route('**/v1/accounts/*/history', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(fixture) }));
    try {
      await page.goto(`${ui}#/accounts/demo-healthy`);
      await page.reload();
      await page.getByTestId('timeline').waitFor();
      expect(await page.getByTestId('why').textContent()).toBe(fixture.why);
      expect(await page.evaluate(`[...document.querySelectorAll('[data-testid="timeline"] rect.seg')].map((x) => x.getAttribute('data-state'))`)).toEqual(['running', 'failed', 'running']);
      expect(await page.locator('[data-testid="timeline"] path.mark').count()).toBe(3);
      const entries = await page.getByTestId('timeline-entries').locator('li').allTextContents();
      expect(entries).toHaveLength(6);
      expect(entries.join('\n')).toContain('<b>socket</b> closed'); // text, not markup
      await page.locator('.card', { has: page.getByTestId('history') }).screenshot({ path: path.join(SCREENSHOTS, 'dashboard-history.png') });
    } finally {
      await page.unroute('**/v1/accounts/*/history');
    }
  });

  it("add form: the API's per-field error shows at the field; credentials are write-only; remove asks first", async () => {
    await page.goto(`${ui}#/new`);
    const form = page.getByTestId('add-form');
    await form.locator('#f-id').fill('form-shop');
    await form.locator('#f-credentials').fill('tok-form-secret');
    await form.locator('#f-restart').fill('{ "type": "sometimes" }');
    await form.getByRole('button', { name: 'Add account' }).click();
    await expect.poll(() => page.getByTestId('error-restart').textContent()).toMatch(/./);
    expect(await page.getByTestId('error-id').textContent()).toBe('');
    expect(await form.locator('#f-restart').getAttribute('aria-invalid')).toBe('true');
    expect((await call('GET', '/v1/accounts/form-shop')).status).toBe(404); // bad input changed nothing
    await form.locator('#f-settings').fill('{ not json');
    await form.getByRole('button', { name: 'Add account' }).click();
    await expect.poll(() => page.getByTestId('error-settings').textContent()).toContain('not valid JSON');
    await form.locator('#f-settings').fill('{ "region": "eu" }');
    await form.locator('#f-restart').fill('');
    await form.getByRole('button', { name: 'Add account' }).click();
    await page.waitForURL(/#\/accounts\/form-shop$/);
    expect((await call('GET', '/v1/accounts/form-shop')).json.account.id).toBe('form-shop');
    expect(await page.content()).not.toContain('tok-form-secret');

    await page.locator('button[data-action="edit"]').click();
    const edit = page.getByTestId('edit-form');
    expect(await edit.locator('#f-credentials').inputValue()).toBe('');
    await edit.locator('#f-restart').fill('{ "backoff": { "minMs": -5 } }');
    await edit.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('error-restart').textContent()).toMatch(/./);

    await page.locator('button[data-action="remove"]').click();
    await page.getByTestId('confirm-ok').click();
    await page.waitForURL(/#\/$/);
    await expect.poll(async () => (await call('GET', '/v1/accounts/form-shop')).status).toBe(404);
  });

  it('cluster nodes: hidden while GET /v1/cluster is 404, shown with a node column when it answers (fixture)', async () => {
    await page.goto(`${ui}#/`);
    const probed = page.waitForResponse((r) => r.url().endsWith('/v1/cluster'));
    await page.reload();
    expect((await probed).status()).toBe(404);
    await page.getByTestId('table-body').waitFor();
    expect(await page.getByTestId('cluster-nodes').isHidden()).toBe(true);
    expect(await page.locator('.accounts.with-node').count()).toBe(0);
    await page.route('**/v1/cluster', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ nodes: [{ id: 'node-a', heartbeatAgeMs: 1200, shards: 128 }, { id: 'node-b', heartbeatAgeMs: 800, shards: 128, draining: true }] }) }),
    );
    try {
      await page.reload();
      await page.getByTestId('cluster-nodes').waitFor();
      expect(await page.locator('[data-testid="cluster-nodes"] tr[data-node]').count()).toBe(2);
      expect(await page.locator('.table.with-node, .accounts.with-node').count()).toBe(1);
    } finally {
      await page.unroute('**/v1/cluster');
    }
  });

  it('works under a sub-path behind a reverse proxy (relative URLs, WebSocket included)', async () => {
    const proxy = await startSubPathProxy(base, '/ops/statevisor/');
    const other = await browser.newPage();
    const sockets: string[] = [];
    other.page.on('websocket', (ws) => sockets.push(ws.url()));
    try {
      await other.page.goto(proxy.url); // `/ops/statevisor/` → 302 `ui/`
      expect(other.page.url()).toBe(`${proxy.url}ui/`);
      await signIn(other.page, other.page.url(), token);
      await expect.poll(() => other.page.locator('.scroller .vrow:not([hidden])').count()).toBe(5);
      await other.page.goto(`${proxy.url}ui/#/accounts/demo-healthy`);
      await other.page.locator('[data-testid="statechart"] g.node.current').waitFor();
      expect(other.requests.every((u) => u.startsWith(proxy.url))).toBe(true);
      expect(sockets.length).toBeGreaterThan(0);
      expect(sockets.every((u) => u.startsWith(`${proxy.url.replace(/^http/, 'ws')}v1/events?token=`))).toBe(true);
      expect(other.errors).toEqual([]);
    } finally {
      await other.page.close();
      await proxy.close();
    }
  });

  it('the daemon stops: "reconnecting"; it comes back: the page resyncs from the snapshot', async () => {
    await page.goto(`${ui}#/`);
    await page.reload();
    await expect.poll(() => page.locator('.scroller .vrow:not([hidden])').count()).toBe(5);
    const port = Number(new URL(base).port);
    await stopDaemon();
    await page.getByTestId('reconnecting').waitFor({ state: 'visible', timeout: 10_000 });
    await shot('reconnecting');
    // While it is away, an account disappears from the store: no `removed` message will ever
    // say so, only the snapshot of the next connection.
    const file = path.join(dir, 'data', 'statevisor.json');
    const data = JSON.parse(await readFile(file, 'utf8')) as { accounts: { id: string }[] };
    data.accounts = data.accounts.filter((a) => a.id !== 'demo-flaky');
    await writeFile(file, JSON.stringify(data, null, 2));
    await startDaemon(port);
    await page.getByTestId('reconnecting').waitFor({ state: 'hidden', timeout: 15_000 });
    await expect.poll(() => page.locator('.scroller .vrow:not([hidden])').count()).toBe(4);
    expect(await row('demo-flaky').count()).toBe(0);
    await expect.poll(() => row('demo-healthy').getAttribute('data-state')).toBe('running');
    expect(tab.errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(e))).toEqual([]);
  });
});
