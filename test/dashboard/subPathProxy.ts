import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** A reverse proxy on 127.0.0.1 that serves `target` under `prefix` (HTTP and WebSocket), as nginx's `location /prefix/ { proxy_pass http://target/; }` would. */
export interface SubPathProxy {
  url: string;
  close(): Promise<void>;
}

export async function startSubPathProxy(target: string, prefix: string): Promise<SubPathProxy> {
  const to = new URL(target);
  const sockets = new Set<Duplex>();
  const strip = (req: IncomingMessage) => (req.url?.startsWith(prefix) ? req.url.slice(prefix.length - 1) : undefined);
  const server: Server = createServer((req, res) => {
    const path = strip(req);
    if (path === undefined) {
      res.writeHead(404).end('outside the proxied prefix');
      return;
    }
    const upstream = request({ host: to.hostname, port: to.port, method: req.method, path, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket, head: Buffer) => {
    const path = strip(req);
    if (path === undefined) return socket.destroy();
    const upstream: Socket = connect(Number(to.port), to.hostname, () => {
      const lines = [`${req.method} ${path} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => (sockets.delete(upstream), socket.destroy()));
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
