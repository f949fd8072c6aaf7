import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lowdbStore } from '../../src/persistence/lowdbStore.js';
import { createSimulatorClient } from '../../src/simulator/index.js';
import { killDaemon, msg, runCli, startDaemonProcess, type DaemonProcess } from './daemonProcess.js';

let dir: string;
let daemon: DaemonProcess | undefined;
const sockets: Socket[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'statevisor-harden-'));
});
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await killDaemon(daemon);
  daemon = undefined;
  await rm(dir, { recursive: true, force: true });
});

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const modeOf = async (p: string) => (await stat(p)).mode & 0o777;

/** A raw TCP connection to the API, for clients that send half a request. */
async function rawSocket(apiUrl: string): Promise<Socket> {
  const { hostname: host, port } = new URL(apiUrl);
  const socket = connect(Number(port), host);
  sockets.push(socket);
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
}

/** Resolves with what the server sent once it closed the connection, and how long that took. */
async function closedBy(socket: Socket, timeoutMs: number): Promise<{ text: string; ms: number }> {
  const started = Date.now();
  let text = '';
  socket.setEncoding('utf8').on('data', (c: string) => (text += c));
  const timer = setTimeout(() => socket.destroy(new Error('still open')), timeoutMs);
  await once(socket, 'close');
  clearTimeout(timer);
  return { text, ms: Date.now() - started };
}

async function api(base: string, token: string, method: string, route: string, body?: unknown): Promise<Response> {
  return fetch(`${base}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
}

describe('statevisor start: hardening, as a real process', () => {
  it('URL secrets, file modes, plaintext warning, audit log, HEAD /health, SIGHUP reload, and a quick SIGTERM despite half-sent requests', async () => {
    // An existing data file that someone left readable by everyone, in an open directory.
    const dataDir = path.join(dir, 'data');
    const dataFile = path.join(dataDir, 'statevisor.json');
    await mkdir(dataDir);
    await (await lowdbStore({ file: dataFile, logger: quiet })).close();
    await chmod(dataFile, 0o644);
    await chmod(dataDir, 0o755);

    const upstream = 'ws://operator:PASS-xyz@127.0.0.1:1/feed?key=SECRET-abc&region=eu';
    daemon = startDaemonProcess(['start', '--api-port', '0', '--no-demo', '--upstream', upstream], { cwd: dir, env: { STATEVISOR_SECRET: '' } });
    const running = await daemon.waitForLine(msg('statevisor running'));
    expect(running.upstream).toBe('ws://***:***@127.0.0.1:1/feed?key=***&region=***');
    expect(await modeOf(dataFile)).toBe(0o600);
    expect(await modeOf(dataDir)).toBe(0o700);
    expect(daemon.lines.filter(msg('tightened'))).toHaveLength(2);
    expect(daemon.lines.filter(msg('credentials are stored in plaintext'))).toHaveLength(1);

    const base = String(running.api);
    const token = (await readFile(path.join(dataDir, 'api-token'), 'utf8')).trim();
    expect((await fetch(`${base}/health`, { method: 'HEAD' })).status).toBe(200);

    // Every command once in the audit log: what, which account, outcome, from where; never credentials.
    expect((await api(base, token, 'POST', '/v1/accounts', { id: 'shop-1', credentials: 'cred-SECRET-1', enabled: false })).status).toBe(201);
    expect((await api(base, token, 'POST', '/v1/accounts', { id: 'shop-1', credentials: 'cred-SECRET-2' })).status).toBe(409);
    expect((await api(base, token, 'PATCH', '/v1/accounts/shop-1', { settings: { a: 1 } })).status).toBe(200);
    expect((await api(base, token, 'POST', '/v1/accounts/shop-1/enable')).status).toBe(200);
    expect((await api(base, token, 'POST', '/v1/accounts/shop-1/restart')).status).toBe(200);
    expect((await api(base, token, 'POST', '/v1/accounts/shop-1/disable')).status).toBe(200);
    expect((await api(base, token, 'POST', '/v1/reload')).status).toBe(200);
    expect((await api(base, 'wrong-token-0123456789', 'DELETE', '/v1/accounts/shop-1')).status).toBe(403);
    expect((await api(base, token, 'DELETE', '/v1/accounts/shop-1')).status).toBe(200);
    expect((await api(base, token, 'GET', '/v1/accounts')).status).toBe(200);
    await daemon.waitForLine((l) => l.audit === true && l.command === 'remove' && l.status === 200);
    const audit = daemon.lines.filter((l) => l.audit === true);
    expect(audit.map((l) => [l.command, l.accountId, l.status, l.outcome])).toEqual([
      ['add', 'shop-1', 201, 'ok'],
      ['add', 'shop-1', 409, 'ACCOUNT_EXISTS'],
      ['update', 'shop-1', 200, 'ok'],
      ['enable', 'shop-1', 200, 'ok'],
      ['restart', 'shop-1', 200, 'ok'],
      ['disable', 'shop-1', 200, 'ok'],
      ['reload', undefined, 200, 'ok'],
      ['remove', 'shop-1', 403, 'FORBIDDEN'],
      ['remove', 'shop-1', 200, 'ok'],
    ]);
    for (const line of audit) expect(line).toMatchObject({ level: 30, remote: '127.0.0.1' });

    // SIGHUP is reload (systemd's ExecReload), not death.
    daemon.child.kill('SIGHUP');
    await daemon.waitForLine(msg('SIGHUP: reload done'));
    expect(daemon.child.exitCode).toBeNull();

    // Half a request's headers, and an authenticated request with half its body: neither holds the shutdown.
    const halfHeaders = await rawSocket(base);
    halfHeaders.write('GET /v1/accounts HTTP/1.1\r\nHost: x\r\n');
    const halfBody = await rawSocket(base);
    halfBody.write(`POST /v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"id":`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    daemon.child.kill('SIGTERM');
    const { code } = await daemon.exited();
    const waited = Date.now() - started;
    expect(code).toBe(0);
    expect(waited).toBeLessThan(3_000); // was 5 s: the API waited for the half-sent requests
    const stopped = daemon.lines.find(msg('statevisor stopped'))!;
    // The reported time is the whole stop (API included), not the supervisor's part alone.
    expect(Number(stopped.durationMs)).toBeGreaterThanOrEqual(Number(stopped.supervisorMs));
    expect(Number(stopped.durationMs)).toBeLessThanOrEqual(waited);

    const everything = JSON.stringify(daemon.lines) + daemon.stderr();
    for (const secret of ['PASS-xyz', 'SECRET-abc', 'cred-SECRET-1', 'cred-SECRET-2', token]) expect(everything.replace(token, token === secret ? '' : token)).not.toContain(secret);
    expect(JSON.stringify(daemon.lines)).not.toContain(token);
  });

  it('a SIGTERM that lands while the daemon is still starting stops it gracefully: exit 0, no lock left', async () => {
    daemon = startDaemonProcess(['start', '--api-port', '0'], { cwd: dir });
    // Logged right after the store is open (its lock taken), before the API and the supervisor start.
    await daemon.waitForLine(msg('credentials are stored in plaintext'));
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited()).toEqual({ code: 0, signal: null });
    expect(daemon.lines.some(msg('SIGTERM: shutting down'))).toBe(true);
    await expect(stat(path.join(dir, 'data', 'statevisor.json.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('HTTP deadlines are enforced as configured, and the connection cap is logged when hit', async () => {
    await writeFile(path.join(dir, 'statevisor.config.json'), JSON.stringify({ demo: false, api: { headersTimeoutMs: 400, requestTimeoutMs: 800, maxConnections: 4 } }));
    daemon = startDaemonProcess(['start', '--api-port', '0', '--upstream', 'ws://127.0.0.1:1/'], { cwd: dir });
    const base = String((await daemon.waitForLine(msg('statevisor running'))).api);
    const token = (await readFile(path.join(dir, 'data', 'api-token'), 'utf8')).trim();

    // Slow headers: one byte every 100 ms never finishes them; cut at the header deadline.
    const slowHeaders = await rawSocket(base);
    slowHeaders.write('GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const drip = setInterval(() => slowHeaders.writable && slowHeaders.write('a'), 100);
    const headersCut = await closedBy(slowHeaders, 5_000).finally(() => clearInterval(drip));
    expect(headersCut.text).toContain('408');
    expect(headersCut.ms).toBeGreaterThanOrEqual(300);
    expect(headersCut.ms).toBeLessThan(2_500);

    // Slow authenticated body: cut at the request deadline with a JSON 408.
    const slowBody = await rawSocket(base);
    slowBody.write(`POST /v1/accounts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"id":`);
    const bodyCut = await closedBy(slowBody, 5_000);
    expect(bodyCut.text).toMatch(/^HTTP\/1\.1 408/);
    expect(bodyCut.text).toContain('"REQUEST_TIMEOUT"');
    expect(bodyCut.ms).toBeLessThan(3_000);
    expect((await api(base, token, 'GET', '/v1/accounts')).status).toBe(200); // nothing was added, the API still answers

    // Four connections are the cap: a fifth is closed at once, and that is logged.
    const held = await Promise.all([1, 2, 3, 4].map(() => rawSocket(base)));
    const fifth = await rawSocket(base);
    const refused = await closedBy(fifth, 2_000);
    expect(refused.text).toBe('');
    await daemon.waitForLine(msg('connection limit reached'));
    expect(daemon.lines.find(msg('connection limit reached'))).toMatchObject({ level: 40, maxConnections: 4 });
    for (const s of held) s.destroy();
  });

  it('port in use: the error names --api-port and no unseen token is left; the next start shows its token, ignores a recycled-pid lock, and logs expected errors without stacks', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      daemon = startDaemonProcess(['start', '--api-port', String(port)], { cwd: dir });
      expect((await daemon.exited()).code).toBe(1);
      expect(daemon.stderr()).toContain('--api-port');
      expect(daemon.stderr()).not.toContain('generated the control API token');
      await expect(stat(path.join(dir, 'data', 'api-token'))).rejects.toMatchObject({ code: 'ENOENT' });
      daemon = startDaemonProcess(['start', '--api-port', '0', '--inspect', '--inspect-port', String(port)], { cwd: dir });
      expect((await daemon.exited()).code).toBe(1);
      expect(daemon.stderr()).toContain('--inspect-port');
    } finally {
      blocker.close();
    }

    // A lock left by a crashed daemon whose pid now belongs to another process (pid 1).
    await writeFile(path.join(dir, 'data', 'statevisor.json.lock'), `${JSON.stringify({ pid: 1, started: '1', host: hostname() })}\n`);
    daemon = startDaemonProcess(['start', '--api-port', '0', '--log-level', 'debug'], { cwd: dir });
    const running = await daemon.waitForLine(msg('statevisor running'));
    const token = (await readFile(path.join(dir, 'data', 'api-token'), 'utf8')).trim();
    expect(daemon.stderr()).toContain(token);
    const where = await runCli(['token'], dir);
    expect(where.code).toBe(0);
    expect(where.stdout).toContain(path.join(dir, 'data', 'api-token'));
    expect((await runCli(['token', '--show'], dir)).stdout.trim()).toBe(token);

    // An expected failure (close 4001): its class and code, no stack; the advice names the CLI command.
    const suspended = await daemon.waitForLine(msg('suspended', 'demo-rejected'));
    expect(suspended.err).toEqual({ type: 'CredentialsRejectedError', code: 'CREDENTIALS_REJECTED', message: expect.any(String) as string });
    expect(String(suspended.msg)).toContain('statevisor accounts restart demo-rejected');
    const failed = daemon.lines.find(msg('task failed', 'demo-rejected'))!;
    expect(failed.err).toMatchObject({ type: 'CredentialsRejectedError', code: 'CREDENTIALS_REJECTED', retryable: false });
    expect(failed.err).not.toHaveProperty('stack');
    for (const line of daemon.lines) expect(String(line.msg)).not.toMatch(/The supervisor will retry\.\)?$/);

    // Auto-replies: debug, the customer's text truncated.
    await daemon.waitForLine(msg('session registered', 'demo-healthy'));
    const long = `hello ${'x'.repeat(200)}`;
    await createSimulatorClient(String(running.upstream)).push('demo-healthy', long, 'alice');
    const reply = await daemon.waitForLine(msg('replied to', 'demo-healthy'));
    expect(reply.level).toBe(20);
    expect(String(reply.msg)).not.toContain(long);
    expect(String(reply.msg).length).toBeLessThan(150);
    expect(JSON.stringify(reply)).not.toContain('alice');

    daemon.child.kill('SIGTERM');
    expect((await daemon.exited()).code).toBe(0);
  });

  it('a corrupt record: the advice names --skip-invalid, which the daemon accepts', async () => {
    const dataFile = path.join(dir, 'data', 'statevisor.json');
    await mkdir(path.dirname(dataFile), { mode: 0o700 });
    const store = await lowdbStore({ file: dataFile, logger: quiet });
    await store.put({ id: 'good', enabled: false, settings: {} });
    await store.put({ id: 'bad', enabled: false, settings: {} });
    await store.close();
    const doc = JSON.parse(await readFile(dataFile, 'utf8')) as { accounts: { id: string; enabled: unknown }[] };
    doc.accounts.find((a) => a.id === 'bad')!.enabled = 'yes';
    await writeFile(dataFile, JSON.stringify(doc));

    daemon = startDaemonProcess(['start', '--api-port', '0', '--no-demo'], { cwd: dir });
    expect((await daemon.exited()).code).toBe(1);
    expect(daemon.stderr()).toContain('--skip-invalid');

    daemon = startDaemonProcess(['start', '--api-port', '0', '--no-demo', '--skip-invalid'], { cwd: dir });
    const running = await daemon.waitForLine(msg('statevisor running'));
    expect(running.accounts).toBe(1);
    expect(daemon.lines.find(msg('skipped invalid'))).toMatchObject({ id: 'bad' });
    daemon.child.kill('SIGTERM');
    expect((await daemon.exited()).code).toBe(0);
  });
});
