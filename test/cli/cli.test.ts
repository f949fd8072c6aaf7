import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountStatus } from '../../src/index.js';
import { OPERATOR_EXIT, runOperatorCli } from '../../src/cli/index.js';
import { startHarness, TOKEN, type Harness } from '../api/helpers.js';

let h: Harness | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'statevisor-cli-'));
});
afterEach(async () => {
  await h?.stop();
  h = undefined;
  await rm(dir, { recursive: true, force: true });
});

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString('utf8');
    callback();
  }
}

interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs `statevisor …argv` against the harness's API, the token in a data directory (not a flag). */
async function cli(argv: string[], opts: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; stdout?: Capture } = {}): Promise<Run> {
  const stdout = opts.stdout ?? new Capture();
  const stderr = new Capture();
  const env = { STATEVISOR_API_URL: h?.api.url, ...opts.env };
  const code = await runOperatorCli({ argv: [...argv], env, cwd: dir, stdout, stderr, ...(opts.signal ? { signal: opts.signal } : {}) });
  return { code, out: stdout.text, err: stderr.text };
}

async function withDaemon(): Promise<Harness> {
  h = await startHarness();
  await writeFile(path.join(dir, 'api-token'), `${TOKEN}\n`, { mode: 0o600 });
  return h;
}

const json = <T>(run: Run): T => JSON.parse(run.out) as T;

describe('statevisor accounts …, against a real API server', () => {
  it('add, list, get, update, disable, enable, restart, remove with --json', async () => {
    const { store, supervisor } = await withDaemon();
    const base = ['--data-dir', dir, '--json'];
    const added = await cli(['accounts', 'add', 'shop-1', '--settings', '{"region":"eu"}', '--credentials-env', 'SHOP_SECRET', ...base], { env: { SHOP_SECRET: 'cli-secret-xyz' } });
    expect(added.code).toBe(0);
    expect(json<AccountStatus>(added)).toMatchObject({ id: 'shop-1', enabled: true });
    expect(added.out).not.toContain('cli-secret-xyz');
    expect(await store.get('shop-1')).toEqual({ id: 'shop-1', enabled: true, credentials: 'cli-secret-xyz', settings: { region: 'eu' } });
    await supervisor.waitFor('shop-1', 'running');

    const list = await cli(['accounts', 'list', ...base]);
    expect(list.code).toBe(0);
    expect(json<AccountStatus[]>(list)).toEqual([expect.objectContaining({ id: 'shop-1', state: 'running' })]);
    const get = await cli(['accounts', 'get', 'shop-1', ...base]);
    expect(json<AccountStatus>(get)).toMatchObject({ id: 'shop-1', state: 'running', incarnation: 1 });

    const updated = await cli(['accounts', 'update', 'shop-1', '--settings', '{"region":"us"}', ...base]);
    expect(json<AccountStatus>(updated)).toMatchObject({ incarnation: 2 });
    expect((await store.get('shop-1'))?.settings).toEqual({ region: 'us' });

    expect(json<AccountStatus>(await cli(['accounts', 'disable', 'shop-1', ...base]))).toMatchObject({ state: 'disabled', enabled: false });
    expect(json<AccountStatus>(await cli(['accounts', 'enable', 'shop-1', ...base]))).toMatchObject({ enabled: true });
    await supervisor.waitFor('shop-1', 'running');
    expect(json<AccountStatus>(await cli(['accounts', 'restart', 'shop-1', ...base]))).toMatchObject({ incarnation: 4 });
    expect(json(await cli(['accounts', 'remove', 'shop-1', ...base]))).toEqual({ removed: 'shop-1' });
    expect(await store.loadAll()).toEqual([]);
  });

  it('prints readable text without --json', async () => {
    const { supervisor } = await withDaemon();
    const added = await cli(['accounts', 'add', 'a', '--data-dir', dir]);
    expect(added).toMatchObject({ code: 0, out: expect.stringMatching(/^added a: (loading|running) \(incarnation 1\)\n$/) });
    await supervisor.waitFor('a', 'running');
    const list = await cli(['accounts', 'list', '--data-dir', dir]);
    expect(list.out).toMatch(/^ID\s+ENABLED\s+STATE\s+INCARNATION\s+RESTARTS\na\s+yes\s+running\s+1\s+0\n$/);
    const get = await cli(['accounts', 'get', 'a', '--data-dir', dir]);
    expect(get.out).toMatch(/^id:\s+a\nstate:\s+running\n/);
    expect((await cli(['accounts', 'remove', 'a', '--data-dir', dir])).out).toBe('removed a\n');
    expect((await cli(['accounts', 'list', '--data-dir', dir])).out).toBe('No accounts.\n');
  });

  it('reload re-reads the store', async () => {
    const { store } = await withDaemon();
    await store.put({ id: 'ext', enabled: true, settings: {} });
    const run = await cli(['reload', '--data-dir', dir]);
    expect(run).toMatchObject({ code: 0, out: 'reloaded: 1 added, 0 removed, 0 changed, 0 unchanged\n' });
  });
});

describe('statevisor status', () => {
  it('prints the table: id, state, since, restarts, last error, next restart; --json the statuses', async () => {
    const { supervisor } = await withDaemon();
    await cli(['accounts', 'add', 'b', '--data-dir', dir]);
    await cli(['accounts', 'add', 'a', '--data-dir', dir, '--disabled']);
    await supervisor.waitFor('b', 'running');
    const table = await cli(['status', '--data-dir', dir]);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATE\s+SINCE\s+RESTARTS\s+LAST ERROR\s+NEXT RESTART$/);
    expect(lines[1]).toMatch(/^a\s+disabled\s+\d+s ago\s+0\s+-\s+-$/);
    expect(lines[2]).toMatch(/^b\s+running\s+\d+s ago\s+0\s+-\s+-$/);
    const asJson = json<AccountStatus[]>(await cli(['status', '--json', '--data-dir', dir]));
    expect(asJson.map((s) => s.id).sort()).toEqual(['a', 'b']);
  });

  it('--watch --json prints the snapshot, then each change, until interrupted', async () => {
    const { supervisor } = await withDaemon();
    await cli(['accounts', 'add', 'a', '--data-dir', dir]);
    await supervisor.waitFor('a', 'running');
    const controller = new AbortController();
    const stdout = new Capture();
    const watching = cli(['status', '--watch', '--json', '--data-dir', dir], { signal: controller.signal, stdout });
    await until(() => stdout.text.includes('"snapshot"'));
    await supervisor.add({ id: 'b' });
    await supervisor.waitFor('b', 'running');
    await until(() => stdout.text.includes('"id":"b"') && stdout.text.includes('"running"'));
    controller.abort();
    const run = await watching;
    expect(run.code).toBe(0);
    const messages = run.out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; id?: string; status?: AccountStatus });
    expect(messages[0]).toMatchObject({ type: 'snapshot', statuses: [expect.objectContaining({ id: 'a' })] });
    expect(messages.slice(1).every((m) => m.type === 'status' && m.id === 'b')).toBe(true);
    expect(messages.at(-1)?.status?.state).toBe('running');
  });

  it('--watch redraws the table and ends when the daemon shuts down', async () => {
    const harness = await withDaemon();
    await cli(['accounts', 'add', 'a', '--data-dir', dir]);
    const stdout = new Capture();
    const watching = cli(['status', '--watch', '--data-dir', dir], { signal: new AbortController().signal, stdout });
    await until(() => stdout.text.includes('ID'));
    await harness.api.close({ timeoutMs: 1_000 });
    const run = await watching;
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/ID\s+STATE\s+SINCE/);
    expect(run.out).toContain('(live: ');
    expect(run.out).toContain('The daemon is shutting down');
  });
});

describe('failures: clear message, non-zero exit', () => {
  it('daemon not running: connection refused → exit 3', async () => {
    const port = await closedPort();
    const run = await cli(['accounts', 'list', '--url', `http://127.0.0.1:${port}`, '--token', TOKEN]);
    expect(run.code).toBe(OPERATOR_EXIT.unreachable);
    expect(run.err).toBe(`statevisor: Cannot reach the statevisor daemon at http://127.0.0.1:${port} (connection refused). Is it running? Start it with "statevisor start", or point --url / STATEVISOR_API_URL at it.\n`);
    const watch = await cli(['status', '--watch', '--url', `http://127.0.0.1:${port}`, '--token', TOKEN], { signal: new AbortController().signal });
    expect(watch.code).toBe(OPERATOR_EXIT.unreachable);
  });

  it('wrong token → exit 4, for requests and for the live stream', async () => {
    await withDaemon();
    const run = await cli(['accounts', 'list', '--token', 'wrong-token-0123456789']);
    expect(run.code).toBe(OPERATOR_EXIT.auth);
    expect(run.err).toContain('The bearer token is not valid for this daemon.');
    expect(run.err).not.toContain(TOKEN);
    const watch = await cli(['status', '--watch', '--token', 'wrong-token-0123456789'], { signal: new AbortController().signal });
    expect(watch.code).toBe(OPERATOR_EXIT.auth);
  });

  it('no token anywhere → exit 4 naming the file it looked for', async () => {
    await withDaemon();
    const run = await cli(['accounts', 'list', '--data-dir', path.join(dir, 'nowhere')]);
    expect(run.code).toBe(OPERATOR_EXIT.auth);
    expect(run.err).toContain(`${path.join(dir, 'nowhere', 'api-token')} does not exist`);
  });

  it('the token from STATEVISOR_API_TOKEN or --token works without a data directory', async () => {
    await withDaemon();
    expect((await cli(['accounts', 'list', '--data-dir', '/nonexistent'], { env: { STATEVISOR_API_TOKEN: TOKEN } })).code).toBe(0);
    expect((await cli(['accounts', 'list', '--data-dir', '/nonexistent', '--token', TOKEN])).code).toBe(0);
  });

  it('invalid input → exit 2 with the API message and the field', async () => {
    const { store } = await withDaemon();
    const bad = await cli(['accounts', 'add', 'a', '--settings', '[1]', '--data-dir', dir]);
    expect(bad.code).toBe(OPERATOR_EXIT.usage);
    expect(bad.err).toBe('statevisor: Invalid account: field "settings" must be a plain object. Nothing was changed. (field: settings)\n');
    const restart = await cli(['accounts', 'add', 'a', '--restart', '{"type":"sometimes"}', '--data-dir', dir]);
    expect(restart.err).toContain('(field: restart.type)');
    const notJson = await cli(['accounts', 'add', 'a', '--settings', '{oops', '--data-dir', dir]);
    expect(notJson.code).toBe(OPERATOR_EXIT.usage);
    expect(notJson.err).toMatch(/^statevisor: --settings must be JSON/);
    const noEnv = await cli(['accounts', 'add', 'a', '--credentials-env', 'NOT_SET_ANYWHERE', '--data-dir', dir]);
    expect(noEnv.err).toContain('NOT_SET_ANYWHERE is not set');
    expect((await cli(['accounts', 'update', 'a', '--data-dir', dir])).code).toBe(OPERATOR_EXIT.usage);
    expect((await cli(['accounts', 'update', 'a', '--enabled', 'maybe', '--data-dir', dir])).code).toBe(OPERATOR_EXIT.usage);
    expect(await store.loadAll()).toEqual([]);
  });

  it('unknown account → exit 1; existing id → exit 1; with the API message', async () => {
    await withDaemon();
    const missing = await cli(['accounts', 'get', 'ghost', '--data-dir', dir]);
    expect(missing.code).toBe(OPERATOR_EXIT.failed);
    expect(missing.err).toContain('Account "ghost" does not exist');
    await cli(['accounts', 'add', 'a', '--data-dir', dir]);
    const dup = await cli(['accounts', 'add', 'a', '--data-dir', dir]);
    expect(dup.code).toBe(OPERATOR_EXIT.failed);
    expect(dup.err).toContain('already exists');
  });

  it('usage errors from commander → exit 2', async () => {
    expect((await cli(['accounts', 'frobnicate'])).code).toBe(OPERATOR_EXIT.usage);
    expect((await cli(['accounts', 'get'])).code).toBe(OPERATOR_EXIT.usage);
    expect((await cli(['accounts', 'list', '--url', 'ftp://x', '--token', TOKEN])).code).toBe(OPERATOR_EXIT.usage);
    expect((await cli(['--help'])).code).toBe(0);
  });
});

describe('statevisor machines', () => {
  it('--json prints both definitions; --mermaid both diagrams; --machine one', async () => {
    const asJson = await cli(['machines', '--json']);
    expect(asJson.code).toBe(0);
    expect(Object.keys(json<Record<string, unknown>>(asJson))).toEqual(['supervisor', 'accountTask']);
    const mermaid = await cli(['machines', '--mermaid']);
    expect(mermaid.out).toContain('%% supervisor\nstateDiagram-v2\n');
    expect(mermaid.out).toContain('%% accountTask\nstateDiagram-v2\n  [*] --> loading\n');
    const one = await cli(['machines', '--json', '--machine', 'accountTask']);
    expect(json<{ id: string }>(one).id).toBe('accountTask');
    expect((await cli(['machines'])).code).toBe(OPERATOR_EXIT.usage);
    expect((await cli(['machines', '--json', '--machine', 'nope'])).code).toBe(OPERATOR_EXIT.usage);
  });
});

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
