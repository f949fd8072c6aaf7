import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { trackConnections } from '../../src/api/connections.js';
import { listen } from '../../src/api/listen.js';
import { resolveApiOptions } from '../../src/api/options.js';
import { startHarness, type Harness } from './helpers.js';

let h: Harness | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await h?.stop();
  h = undefined;
});

async function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
}

describe('control API limits (library options)', () => {
  it('rejects deadlines and caps that cannot work, naming the option', () => {
    const supervisor = {} as Parameters<typeof resolveApiOptions>[0]['supervisor'];
    expect(() => resolveApiOptions({ supervisor, dataDir: '.', headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 })).toThrow(/"requestTimeoutMs"/);
    expect(() => resolveApiOptions({ supervisor, dataDir: '.', maxConnections: 0 })).toThrow(/"maxConnections"/);
    expect(resolveApiOptions({ supervisor, dataDir: '.' })).toMatchObject({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, maxConnections: 512 });
  });

  it('a client that never finishes its headers is answered 408 and closed near headersTimeoutMs', async () => {
    h = await startHarness({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const socket = await open(h.api.port);
    const started = Date.now();
    let text = '';
    socket.setEncoding('utf8').on('data', (c: string) => (text += c));
    socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    await once(socket, 'close');
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('the "limit reached" warning is paced: one per interval, with the count refused since the last', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: 'info' }, new Writable({ write: (c: Buffer, _e, done) => (lines.push(JSON.parse(c.toString()) as Record<string, unknown>), done()) }));
    let now = 0;
    const server = createServer((_req, res) => res.end());
    trackConnections(server, 1, log, () => now);
    const port = await listen(server, '127.0.0.1', 0);
    try {
      await open(port);
      const refusedOnce = async () => {
        const s = await open(port);
        await once(s, 'close');
      };
      await refusedOnce();
      await refusedOnce();
      await refusedOnce();
      now = 10_001;
      await refusedOnce();
      // The first refusal is logged at once; the next two wait for the interval and come with the fourth.
      expect(lines.map((l) => l.dropped)).toEqual([1, 3]);
      expect(lines[0]).toMatchObject({ level: 40, maxConnections: 1 });
    } finally {
      for (const s of sockets.splice(0)) s.destroy();
      server.close();
    }
  });
});
