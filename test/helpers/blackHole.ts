import net from 'node:net';

/**
 * A TCP server on 127.0.0.1 that accepts connections and never answers: a WebSocket upgrade to it
 * hangs. Returns its `ws://` URL; closing it (and every socket it accepted) is pushed onto `cleanups`.
 */
export async function blackHole(cleanups: (() => Promise<void> | void)[]): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `ws://127.0.0.1:${(server.address() as net.AddressInfo).port}/`;
}
