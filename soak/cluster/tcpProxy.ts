import net from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 the test controls, between one node and PostgreSQL: `pass` forwards,
 * `drop()` black-holes traffic both ways on every connection (old and new) without closing
 * anything, `reset()` cuts every connection with a RST.
 */
export class TcpProxy {
  #mode: 'pass' | 'drop' = 'pass';
  readonly #pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  #server!: net.Server;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async listen(): Promise<void> {
    this.#server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      const pair = { client, upstream };
      this.#pairs.add(pair);
      client.on('data', (d) => void (this.#mode === 'pass' && upstream.write(d)));
      upstream.on('data', (d) => void (this.#mode === 'pass' && client.write(d)));
      const close = () => {
        this.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    });
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as net.AddressInfo).port;
  }

  pass(): void {
    this.#mode = 'pass';
  }

  drop(): void {
    this.#mode = 'drop';
  }

  reset(): void {
    for (const { client, upstream } of this.#pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.#pairs.clear();
  }

  async close(): Promise<void> {
    this.reset();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
