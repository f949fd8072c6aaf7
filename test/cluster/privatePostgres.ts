import { execFile } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL server of the test's own (initdb in a temp directory, a free port on 127.0.0.1,
 * trust auth), so a test can restart it without disturbing the shared server other tests use.
 * As root it runs as the `postgres` user (initdb refuses root).
 */
export interface PrivatePostgres {
  url: string;
  /** Stops (fast) and starts again; resolves with how long it was down. */
  restart(): Promise<number>;
  stop(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'statevisor-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const as = (cmd: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args], { timeout: 60_000 }) : run(cmd, args, { timeout: 60_000 }));
  const data = path.join(dir, 'data');
  await as(`${BIN}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const pgOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off`;
  const start = () => as(`${BIN}/pg_ctl`, ['-D', data, '-o', pgOptions, '-l', path.join(dir, 'log'), '-w', '-t', '30', 'start']);
  const stopWith = (mode: string) => as(`${BIN}/pg_ctl`, ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restart: async () => {
      const t = Date.now();
      await stopWith('fast');
      await start();
      return Date.now() - t;
    },
    stop: async () => {
      await stopWith('immediate').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
