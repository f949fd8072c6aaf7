import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Adapter } from 'lowdb';
import { afterEach, beforeEach } from 'vitest';
import { lowdbStore, type AccountStore } from '../../src/persistence/index.js';
import type { Account } from '../../src/account.js';
import { durableFileAdapter } from '../../src/persistence/durableFileAdapter.js';
import type { StoreFile } from '../../src/persistence/fileSchema.js';
import type { StoreLogger } from '../../src/persistence/lowdbOptions.js';

/** A fresh temp directory; `cleanup()` removes it. */
export async function tempDir(): Promise<{ dir: string; file: string; cleanup: () => Promise<void> }> {
  // Real path: the store resolves symlinks (macOS /tmp), and errors name the resolved file.
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'statevisor-store-')));
  return { dir, file: path.join(dir, 'statevisor.json'), cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A minimal valid account. */
export function account(id: string, extra: Partial<Account> = {}): Account {
  return { id, enabled: true, settings: {}, ...extra };
}

/** A logger that records what it was given. */
export function captureLogger(): StoreLogger & { lines: { level: string; obj: object; msg: string }[] } {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, obj, msg });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

/** The durable adapter on `file`, counting writes and failing the next `failNext` of them on demand. */
export function instrumentedAdapter(file: string): Adapter<StoreFile> & { writes: number; failNext: number; written: StoreFile[] } {
  const real = durableFileAdapter(file);
  const adapter = {
    writes: 0,
    failNext: 0,
    written: [] as StoreFile[],
    read: () => real.read(),
    write: async (data: StoreFile) => {
      if (adapter.failNext > 0) {
        adapter.failNext--;
        throw Object.assign(new Error('ENOSPC: no space left on device (injected)'), { code: 'ENOSPC' });
      }
      await real.write(data);
      adapter.writes++;
      adapter.written.push(data);
    },
  };
  return adapter;
}

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/persistence');

/** Starts `test/fixtures/persistence/<name>` under tsx, stdout piped. */
export function spawnFixture(name: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(fixtures, name), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
}

/** Resolves with the first stdout line matching `re`; rejects if the child exits first or after `ms`. */
export function waitForLine(child: ChildProcess, re: RegExp, ms = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let stderr = '';
    const timer = setTimeout(() => finish(new Error(`no line matching ${re} within ${ms} ms; stderr: ${stderr}`)), ms);
    const onData = (chunk: Buffer): void => {
      buffer += chunk.toString('utf8');
      const line = buffer.split('\n').find((l) => re.test(l));
      if (line !== undefined) finish(undefined, line);
    };
    const onErr = (chunk: Buffer): void => void (stderr += chunk.toString('utf8'));
    const onExit = (code: number | null): void => finish(new Error(`child exited (${code}) before ${re}; stderr: ${stderr}`));
    function finish(error?: Error, line?: string): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(line as string);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onErr);
    child.once('exit', onExit);
  });
}

/** Sends SIGKILL and waits for the exit. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

/**
 * A fresh temp directory per test and an `openStore()` whose stores are all closed after the test.
 * Call at the top of a test file.
 */
export function useStoreDir(): {
  readonly tmp: Awaited<ReturnType<typeof tempDir>>;
  openStore: (options?: Parameters<typeof lowdbStore>[0]) => Promise<AccountStore>;
  closeAll: () => Promise<void>;
} {
  let tmp: Awaited<ReturnType<typeof tempDir>> | undefined;
  const open: AccountStore[] = [];
  beforeEach(async () => {
    tmp = await tempDir();
  });
  const closeAll = async () => void (await Promise.all(open.splice(0).map((s) => s.close())));
  afterEach(async () => {
    await closeAll();
    await tmp?.cleanup();
  });
  return {
    closeAll,
    get tmp() {
      if (!tmp) throw new Error('useStoreDir(): no temp directory outside a test');
      return tmp;
    },
    openStore: async (options = {}) => {
      const store = await lowdbStore({ file: tmp!.file, logger: captureLogger(), ...options });
      open.push(store);
      return store;
    },
  };
}
