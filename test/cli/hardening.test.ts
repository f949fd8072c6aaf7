import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runOperatorCli } from '../../src/cli/index.js';
import { startHarness, TOKEN, type Harness } from '../api/helpers.js';

const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const MAIN = fileURLToPath(new URL('../../src/daemon/main.ts', import.meta.url));

let h: Harness | undefined;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'statevisor-cli-harden-'));
});
afterEach(async () => {
  await h?.stop();
  h = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function withDaemon(ids: string[] = []): Promise<Harness> {
  h = await startHarness();
  await writeFile(path.join(dir, 'api-token'), `${TOKEN}\n`, { mode: 0o600 });
  for (const id of ids) await h.supervisor.add({ id });
  return h;
}

/**
 * `statevisor …args` as a real process. With `closeStdout`, the reading end of its stdout is
 * closed at once, as `| head` does once it has its lines: the next write gets EPIPE.
 */
async function run(args: string[], opts: { closeStdout?: boolean } = {}): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const env = { ...process.env, STATEVISOR_API_URL: h?.api.url ?? 'http://127.0.0.1:1' };
  const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args, '--data-dir', dir], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  if (opts.closeStdout) child.stdout.destroy();
  else child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr, ms: Date.now() - started };
}

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

/** The operator CLI in this process (as `runOperatorCli`), for what needs no process boundary. */
async function inProcess(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const env = { STATEVISOR_API_URL: h?.api.url ?? 'http://127.0.0.1:1' };
  const code = await runOperatorCli({ argv: [...argv, '--data-dir', dir], env, cwd: dir, stdout, stderr });
  return { code, out: stdout.text, err: stderr.text };
}

describe('statevisor operator commands', () => {
  it('`accounts list --json | head` and `status --watch | head` exit 0 quietly on EPIPE', async () => {
    await withDaemon(['a', 'b', 'c']);
    const list = await run(['accounts', 'list', '--json'], { closeStdout: true });
    expect(list).toMatchObject({ code: 0, stderr: '' });
    const watch = await run(['status', '--watch'], { closeStdout: true });
    expect(watch).toMatchObject({ code: 0, stderr: '' });
    expect(watch.ms).toBeLessThan(15_000);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const { code, stdout } = await run(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(pkg.version);
  });

  it('with --json, errors are one JSON line naming the code, the message and the exit code; advice names CLI commands', async () => {
    await withDaemon(['a']);
    const missing = await inProcess(['accounts', 'get', 'nope', '--json']);
    expect(missing.code).toBe(1);
    const parsed = JSON.parse(missing.err) as { error: { code: string; message: string; exitCode: number } };
    expect(parsed.error).toMatchObject({ code: 'ACCOUNT_NOT_FOUND', exitCode: 1 });
    expect(parsed.error.message).toContain('statevisor accounts add nope');
    expect(missing.out).toBe('');

    const text = await inProcess(['accounts', 'add', 'a']);
    expect(text.code).toBe(1);
    expect(text.err).toMatch(/^statevisor: .*`statevisor accounts update a …`/);
  });

  it('an unreachable daemon with --json: JSON error, exit 3', async () => {
    await writeFile(path.join(dir, 'api-token'), `${TOKEN}\n`, { mode: 0o600 });
    const down = await inProcess(['status', '--json']);
    expect(down.code).toBe(3);
    expect(JSON.parse(down.err)).toMatchObject({ error: { code: 'CLI_UNREACHABLE', exitCode: 3 } });
  });

  it('status --json lists accounts in the table order', async () => {
    await withDaemon(['c-shop', 'a-shop', 'b-shop']);
    const table = await inProcess(['status']);
    const tableIds = table.out.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]);
    const json = await inProcess(['status', '--json']);
    expect((JSON.parse(json.out) as { id: string }[]).map((s) => s.id)).toEqual(tableIds);
    expect(tableIds).toEqual(['a-shop', 'b-shop', 'c-shop']);
  });
});
