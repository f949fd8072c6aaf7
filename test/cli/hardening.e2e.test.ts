import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountStatus } from '../../src/index.js';
import { createSimulatorClient } from '../../src/simulator/index.js';
import { call, send, type Response } from '../api/helpers.js';
import { killDaemon, runCli, startDaemonProcess, type DaemonProcess } from '../daemon/daemonProcess.js';

/*
 * Issue 12 (hardening), end to end: the daemon and the operator CLI as real processes over a real
 * data file. Items 1 (prototype-named ids across a restart), 2 (a catastrophic keyword regex
 * does not stall the daemon), 3 and 4 (invalid stored settings suspend the account; invalid new
 * ones are refused), 5 (configuration read back, merge update, If-Match through the CLI) and 13
 * (`.` and `..` through the CLI).
 */

let dir: string;
let daemon: DaemonProcess | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'statevisor-harden-e2e-'));
});
afterEach(async () => {
  await killDaemon(daemon);
  daemon = undefined;
  await rm(dir, { recursive: true, force: true });
});

const dataDir = () => path.join(dir, 'data');
const dataFile = () => path.join(dataDir(), 'statevisor.json');
const msg = (text: string) => (l: Record<string, unknown>) => String(l.msg).includes(text);

interface Running {
  api: string;
  upstream: string;
  token: string;
  cli: (args: string[], env?: NodeJS.ProcessEnv) => ReturnType<typeof runCli>;
}

async function start(): Promise<Running> {
  daemon = startDaemonProcess(['start', '--api-port', '0', '--no-demo', '--shutdown-timeout', '5000', '--cancel-timeout', '1000'], { cwd: dir });
  const line = await daemon.waitForLine(msg('statevisor running'), 60_000);
  const api = String(line.api);
  const token = (await readFile(path.join(dataDir(), 'api-token'), 'utf8')).trim();
  const at = ['--url', api, '--data-dir', dataDir()];
  return { api, upstream: String(line.upstream), token, cli: (args, env) => runCli([...args, ...at], dir, env) };
}

async function stop(): Promise<void> {
  daemon!.child.kill('SIGTERM');
  expect((await daemon!.exited()).code).toBe(0);
  daemon = undefined;
}

/** Polls `GET /v1/accounts` until `predicate` holds for the statuses, bounded. */
async function until(r: Running, predicate: (byId: Map<string, AccountStatus>) => boolean, what: string, timeoutMs = 20_000): Promise<Map<string, AccountStatus>> {
  const deadline = Date.now() + timeoutMs;
  let last = new Map<string, AccountStatus>();
  while (Date.now() < deadline) {
    const res = await call(r.api, '/v1/accounts', { token: r.token });
    last = new Map((res.json as { accounts: AccountStatus[] }).accounts.map((a) => [a.id, a]));
    if (predicate(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not reached within ${timeoutMs} ms: ${what}; last: ${JSON.stringify([...last.values()].map((s) => [s.id, s.state, s.lastError?.code]))}`);
}

const PROTOTYPE_IDS = ['toString', 'valueOf', 'hasOwnProperty', 'constructor', '__proto__'];

describe('hardening, daemon and CLI as real processes', () => {
  it('prototype-named ids and . / .. ids work through the CLI and survive a daemon restart (items 1, 13, 5)', async () => {
    let r = await start();
    for (const id of PROTOTYPE_IDS) {
      const added = await send(r.api, 'POST', '/v1/accounts', { id, credentials: `tok-${id}`, settings: { keywords: [{ match: 'price', reply: 'p' }] } }, { token: r.token });
      expect(added.status, `${id}: ${added.text}`).toBe(201);
    }
    // `.` and `..` through the CLI: fetch would have turned /v1/accounts/.. into /v1/.
    for (const id of ['.', '..']) {
      const added = await r.cli(['accounts', 'add', id, '--credentials-env', 'TOK', '--json'], { TOK: 'tok-dots' });
      expect(added.code, added.stderr).toBe(0);
      expect(JSON.parse(added.stdout)).toMatchObject({ id, configuration: { credentialsSet: true } });
    }
    const all = [...PROTOTYPE_IDS, '.', '..'];
    await until(r, (s) => all.every((id) => s.get(id)?.state === 'running'), 'every account running');
    // Supervision records for some of them: a credentials change the simulator rejects suspends
    // `constructor`; a dropped connection makes the supervisor restart `valueOf`.
    expect((await send(r.api, 'PATCH', '/v1/accounts/constructor', { credentials: 'bad-token' }, { token: r.token })).status).toBe(200);
    await createSimulatorClient(r.upstream).drop('valueOf');
    await until(r, (s) => s.get('constructor')?.state === 'suspended' && (s.get('valueOf')?.restarts ?? 0) >= 1, 'constructor suspended, valueOf restarted');
    await stop();
    const file = JSON.parse(await readFile(dataFile(), 'utf8')) as { accounts: { id: string }[]; supervision: Record<string, unknown> };
    expect(file.accounts.map((a) => a.id).sort()).toEqual([...all].sort());
    expect(Object.keys(file.supervision)).toEqual(expect.arrayContaining(['constructor', 'valueOf']));

    // Before the fix, this start exited 1 with "record.restartHistory is not iterable".
    r = await start();
    const after = await until(r, (s) => all.filter((id) => id !== 'constructor').every((id) => s.get(id)?.state === 'running'), 'every account running again');
    expect(after.get('constructor')).toMatchObject({ state: 'suspended', suspendedBecause: 'nonRetryable' });
    expect(after.get('valueOf')?.restarts).toBeGreaterThanOrEqual(1);

    // CLI get shows the configuration (never the credentials), update merges with --if-match.
    const got = await r.cli(['accounts', 'get', '..', '--json']);
    expect(got.code, got.stderr).toBe(0);
    const shown = JSON.parse(got.stdout) as AccountStatus & { configuration: { revision: string; credentialsSet: boolean } };
    expect(shown).toMatchObject({ id: '..', state: 'running', configuration: { credentialsSet: true, settings: {} } });
    expect(got.stdout).not.toContain('tok-dots');
    const text = await r.cli(['accounts', 'get', '.']);
    expect(text.stdout).toMatch(/^id: +\.$/m);
    expect(text.stdout).toMatch(/^credentials: +set$/m);
    const updated = await r.cli(['accounts', 'update', '..', '--settings', '{"defaultReply":"hi"}', '--if-match', shown.configuration.revision, '--json']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ id: '..', incarnation: shown.incarnation + 1, configuration: { settings: { defaultReply: 'hi' } } });
    const stale = await r.cli(['accounts', 'update', '..', '--settings', '{"defaultReply":"lost"}', '--if-match', shown.configuration.revision]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('was changed since you read it');
    expect(stale.stderr).toContain('statevisor accounts get ..');
    const removed = await r.cli(['accounts', 'remove', '.']);
    expect(removed.code, removed.stderr).toBe(0);
    expect((await call(r.api, '/v1/accounts/..', { token: r.token })).status).toBe(200);
    expect((await call(r.api, '/v1/accounts/.', { token: r.token })).status).toBe(404);
    await stop();
  }, 180_000);

  it('stored invalid settings suspend with a configuration error; invalid new ones are refused; a catastrophic regex does not stall the daemon (items 2, 3, 4)', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 40; i += 1) deep = { a: deep };
    const accounts = [
      { id: 'healthy', enabled: true, credentials: 'tok-h', settings: { keywords: [{ match: 'price', reply: 'It is 10' }] } },
      { id: 'redos', enabled: true, credentials: 'tok-r', settings: { keywords: [{ match: '/(a+)+$/', reply: 'only a' }] } },
      { id: 'bad-keywords', enabled: true, credentials: 'tok-b', settings: { keywords: 'price' } },
      { id: 'bad-regex', enabled: true, credentials: 'tok-x', settings: { keywords: [{ match: '/(/', reply: 'x' }] } },
      { id: 'deep', enabled: true, credentials: 'tok-d', settings: deep },
    ];
    await mkdir(dataDir(), { recursive: true, mode: 0o700 });
    await writeFile(dataFile(), JSON.stringify({ version: 2, accounts, supervision: {} }, null, 2), { mode: 0o600 });
    const r = await start();
    const statuses = await until(
      r,
      (s) => ['bad-keywords', 'bad-regex', 'deep'].every((id) => s.get(id)?.state === 'suspended') && ['healthy', 'redos'].every((id) => s.get(id)?.state === 'running'),
      'invalid ones suspended, valid ones running',
    );
    for (const [id, field] of [['bad-keywords', 'settings.keywords'], ['bad-regex', 'settings.keywords.0.match'], ['deep', `settings${'.a'.repeat(16)}`]] as const) {
      expect(statuses.get(id), id).toMatchObject({ suspendedBecause: 'nonRetryable', lastError: { code: 'INVALID_CONFIGURATION' } });
      expect(statuses.get(id)?.lastError?.message, id).toContain(`field "${field}"`);
      expect(statuses.get(id)?.incarnation, `${id} never ran its worker more than once`).toBe(1);
    }
    const shown = await r.cli(['accounts', 'get', 'bad-keywords']);
    expect(shown.stdout).toContain('INVALID_CONFIGURATION');
    expect(shown.stdout).toContain('statevisor accounts update bad-keywords');

    // New invalid settings are refused, naming the field; the file does not change.
    const before = await readFile(dataFile(), 'utf8');
    const refused: [unknown, string][] = [
      [{ keywords: 'price' }, 'settings.keywords'],
      [{ keywords: [{ match: '/(a)\\1/', reply: 'x' }] }, 'settings.keywords.0.match'],
      [JSON.parse(`${'{"a":'.repeat(3_000)}1${'}'.repeat(3_000)}`), `settings${'.a'.repeat(16)}`],
    ];
    for (const [settings, field] of refused) {
      const res: Response = await send(r.api, 'POST', '/v1/accounts', { id: 'new', credentials: 't', settings }, { token: r.token });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: { code: 'INVALID_ACCOUNT', field } });
    }
    const viaCli = await r.cli(['accounts', 'update', 'healthy', '--settings', '{"keywords":[{"match":"/(/","reply":"x"}]}']);
    expect(viaCli.code).toBe(2);
    expect(viaCli.stderr).toContain('settings.keywords.0.match');
    expect(await readFile(dataFile(), 'utf8')).toBe(before);

    // A message built to make /(a+)+$/ backtrack for ever: the daemon keeps answering.
    const sim = createSimulatorClient(r.upstream);
    await sim.push('redos', `${'a'.repeat(4_000)}!`, 'mallory');
    await sim.push('healthy', 'what is the price?', 'alice');
    await sim.push('redos', 'aaaa', 'bob');
    const started = Date.now();
    let slowest = 0;
    for (;;) {
      const t = Date.now();
      expect((await call(r.api, '/health', { token: null, timeoutMs: 5_000 })).status).toBe(200);
      slowest = Math.max(slowest, Date.now() - t);
      const replies = (await sim.stats()).accounts;
      const texts = (id: string) => (replies[id]?.replies ?? []).map((x) => x.text);
      if (texts('healthy').includes('It is 10') && texts('redos').includes('only a')) break;
      expect(Date.now() - started, 'both replies within the bound').toBeLessThan(15_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Generous: the machine is shared. The backtracking engine took 9.7 s for 31 characters.
    expect(slowest, 'slowest /health while matching (ms)').toBeLessThan(2_000);

    // The operator fixes the settings: a merge update replaces the bad value, and the account runs.
    const fixed = await r.cli(['accounts', 'update', 'bad-keywords', '--settings', '{"keywords":[{"match":"price","reply":"fixed"}]}']);
    expect(fixed.code, fixed.stderr).toBe(0);
    await until(r, (s) => s.get('bad-keywords')?.state === 'running', 'bad-keywords running after the fix');
    await stop();
  }, 180_000);
});
