/**
 * `GET /v1/accounts/:id/history` and `statevisor why <id>` against a real API server and a real
 * supervisor: a restart, a suspension by intensity, a suspension by a non-retryable error, and
 * commands, each in the timeline and explained in the last sentence; never a credential.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createControlApi, type ControlApi } from '../../src/api/index.js';
import { OPERATOR_EXIT, runOperatorCli } from '../../src/cli/index.js';
import { createSupervisor, memoryStore, type Supervisor } from '../../src/index.js';
import { call, cooperativeWorker, silent, TOKEN } from '../api/helpers.js';

const SECRET = 'why-secret-credential-5d1e';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString('utf8');
    callback();
  }
}

let dir: string;
let supervisor: Supervisor | undefined;
let api: ControlApi | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'statevisor-why-'));
  await writeFile(path.join(dir, 'api-token'), `${TOKEN}\n`, { mode: 0o600 });
});
afterEach(async () => {
  await supervisor?.shutdown({ timeoutMs: 2_000 });
  await api?.close({ timeoutMs: 2_000 });
  supervisor = api = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function why(id: string, ...flags: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runOperatorCli({ argv: ['why', id, '--url', api!.url, '--data-dir', dir, ...flags], env: { TZ: 'UTC' }, cwd: dir, stdout, stderr });
  return { code, out: stdout.text, err: stderr.text };
}

/** `looping` always fails (retryable); `banned` fails with `retryable: false`; `ok` runs. */
async function start(): Promise<void> {
  supervisor = createSupervisor({
    workerFor: (account) =>
      account.id === 'looping'
        ? async () => {
            throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
          }
        : account.id === 'banned'
          ? async () => {
              throw Object.assign(new Error('The platform rejected the account credentials.'), { code: 'CREDENTIALS_REJECTED', retryable: false });
            }
          : cooperativeWorker().worker,
    store: memoryStore(),
    logger: silent,
    cancelTimeoutMs: 200,
    restart: { backoff: { minMs: 5, maxMs: 5, jitter: 'none' }, intensity: { maxRestarts: 2, withinMs: 60_000 } },
  });
  await supervisor.start();
  api = await createControlApi({ supervisor, port: 0, token: TOKEN, logger: silent });
}

describe('GET /v1/accounts/:id/history', () => {
  it('answers the status and the entries, oldest first; 404 for an unknown id; no credentials', async () => {
    await start();
    await supervisor!.add({ id: 'looping', credentials: SECRET });
    await supervisor!.waitFor('looping', 'suspended');
    const res = await call(api!.url, '/v1/accounts/looping/history');
    expect(res.status).toBe(200);
    const body = res.json as { account: { id: string; state: string }; history: { at: number; kind: string }[] };
    expect(body.account).toMatchObject({ id: 'looping', state: 'suspended' });
    expect(body.history.length).toBeGreaterThan(3);
    expect(body.history.map((e) => e.at)).toEqual([...body.history.map((e) => e.at)].sort((a, b) => a - b));
    expect(body.history.map((e) => e.kind)).toEqual(expect.arrayContaining(['command', 'transition', 'restartScheduled', 'suspended', 'error']));
    expect(res.text).not.toContain(SECRET);
    const missing = await call(api!.url, '/v1/accounts/nope/history');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ error: { code: 'ACCOUNT_NOT_FOUND' } });
  });
});

describe('statevisor why', () => {
  it('a suspension by intensity: restarts in the timeline, the limit and the way out in the sentence', async () => {
    await start();
    await supervisor!.add({ id: 'looping', credentials: SECRET });
    await supervisor!.waitFor('looping', 'suspended');
    const run = await why('looping');
    expect(run.code).toBe(0);
    const lines = run.out.trimEnd().split('\n');
    expect(lines.filter((l) => l.includes('decision: restart in 5 ms'))).toHaveLength(2);
    expect(lines.some((l) => /#3 +decision: suspended \(3 restarts within 60 s exceed maxRestarts 2\)/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('command: add'))).toBe(true);
    expect(lines.some((l) => l.includes('error ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9'))).toBe(true);
    expect(lines.at(-2)).toBe('');
    expect(lines.at(-1)).toMatch(/^looping is suspended since \d\d:\d\d:\d\d because 3 restarts within 60 s exceeded maxRestarts 2; last error ECONNREFUSED; `statevisor accounts restart looping` clears it\.$/);
    expect(run.out).not.toContain(SECRET);
  });

  it('a non-retryable failure, then commands: disable and enable are in the timeline and the sentence follows the state', async () => {
    await start();
    await supervisor!.add({ id: 'banned', credentials: SECRET });
    await supervisor!.waitFor('banned', 'suspended');
    expect((await why('banned')).out.trimEnd().split('\n').at(-1)).toContain('banned is suspended since');
    expect((await why('banned')).out).toContain('its worker failed with an error that says restarting cannot help (CREDENTIALS_REJECTED)');

    await supervisor!.add({ id: 'ok', credentials: SECRET });
    await supervisor!.waitFor('ok', 'running');
    await supervisor!.disable('ok');
    const disabled = await why('ok');
    expect(disabled.out).toContain('command: disable');
    expect(disabled.out.trimEnd().split('\n').at(-1)).toMatch(/^ok is disabled since \d\d:\d\d:\d\d by a disable command; `statevisor accounts enable ok` starts it\.$/);
    await supervisor!.enable('ok');
    await supervisor!.waitFor('ok', 'running');
    const running = await why('ok', '--json');
    const json = JSON.parse(running.out) as { explanation: string; history: { kind: string; command?: string }[] };
    expect(json.history.filter((e) => e.kind === 'command').map((e) => e.command)).toEqual(['add', 'disable', 'enable']);
    expect(json.explanation).toMatch(/^ok is running since/);
  });

  it('an unknown account: exit code and the id named', async () => {
    await start();
    const run = await why('ghost');
    expect(run.code).not.toBe(OPERATOR_EXIT.ok);
    expect(run.err).toContain('ghost');
  });
});
