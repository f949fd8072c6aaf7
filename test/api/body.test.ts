import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readJsonBody } from '../../src/api/body.js';
import { HttpError } from '../../src/api/errors.js';

// readJsonBody() on its own, over a real HTTP server on 127.0.0.1: the wording of each body error
// (what the client reads to fix its request), the paths the API tests cannot reach (a client
// that aborts mid-body, a request destroyed without an error) and the listeners it must not
// leave on the request.

const LIMIT = 100;
const EVENTS = ['data', 'end', 'error', 'close'] as const;

interface Outcome {
  value?: unknown;
  error?: HttpError;
  /** Listeners readJsonBody() left on the request, per event, once it settled. */
  leftBehind: Record<string, number>;
}

interface BodyServer {
  port: number;
  /** The outcome of readJsonBody() for the next request, bounded (a hang fails the test). */
  next(): Promise<Outcome>;
  close(): Promise<void>;
}

let server: BodyServer | undefined;
const sockets = new Set<Socket>();
afterEach(async () => {
  sockets.forEach((s) => s.destroy());
  sockets.clear();
  await server?.close();
  server = undefined;
});

/** `prepare` runs on each request before readJsonBody() (its own listeners are not counted). */
async function bodyServer(prepare: (req: IncomingMessage) => void = () => undefined): Promise<BodyServer> {
  const outcomes: Outcome[] = [];
  const waiters: (() => void)[] = [];
  const settle = (o: Outcome) => {
    outcomes.push(o);
    waiters.splice(0).forEach((w) => w());
  };
  const http: Server = createServer((req, res) => {
    prepare(req);
    const before = Object.fromEntries(EVENTS.map((e) => [e, req.listenerCount(e)]));
    const leftBehind = () => Object.fromEntries(EVENTS.map((e) => [e, req.listenerCount(e) - before[e]!]));
    readJsonBody(req, LIMIT).then(
      (value) => settle({ value, leftBehind: leftBehind() }),
      (error: unknown) => settle({ error: error as HttpError, leftBehind: leftBehind() }),
    ).finally(() => {
      if (!res.destroyed) res.writeHead(204, { Connection: 'close' }).end();
    });
  });
  http.on('connection', (s) => sockets.add(s));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const next = () =>
    new Promise<Outcome>((resolve, reject) => {
      const take = () => {
        const o = outcomes.shift();
        if (!o) return false;
        clearTimeout(timer);
        resolve(o);
        return true;
      };
      const timer = setTimeout(() => reject(new Error('readJsonBody() did not settle within 5 s')), 5_000);
      if (!take()) waiters.push(() => void take());
    });
  const close = () =>
    new Promise<void>((resolve) => {
      http.closeAllConnections();
      http.close(() => resolve());
    });
  return { port: (http.address() as AddressInfo).port, next, close };
}

/** Writes raw bytes to the server; `thenDestroy` closes the socket from the client side after a beat. */
function rawRequest(port: number, data: string | Buffer, thenDestroy = false): void {
  const socket = connect(port, '127.0.0.1', () => {
    socket.write(data);
    if (thenDestroy) setTimeout(() => socket.destroy(), 20);
  });
  socket.on('error', () => undefined);
  sockets.add(socket);
}

function head(headers: string): string {
  return `POST /x HTTP/1.1\r\nHost: x\r\n${headers}\r\n`;
}

function chunked(...chunks: string[]): string {
  return chunks.map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`).join('');
}

const JSON_CHUNKED = 'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n';
const noneLeft = { data: 0, end: 0, error: 0, close: 0 };

function failure(o: Outcome): HttpError {
  expect(o.error).toBeInstanceOf(HttpError);
  return o.error!;
}

describe('readJsonBody: the body errors say what was wrong and what to send', () => {
  it('415 names the expected Content-Type and quotes the one received (first 100 characters), or says none', async () => {
    server = await bodyServer();
    rawRequest(server.port, head('Content-Type: Text/Plain; charset=latin1\r\nContent-Length: 2\r\n') + '{}');
    const plain = failure(await server.next());
    expect(plain).toMatchObject({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(plain.message).toBe('Request bodies must be JSON with "Content-Type: application/json" (got "Text/Plain; charset=latin1").');

    const long = `text/plain; x=${'a'.repeat(200)}END`;
    rawRequest(server.port, head(`Content-Type: ${long}\r\nContent-Length: 2\r\n`) + '{}');
    const longError = failure(await server.next());
    expect(longError.message).toContain(`(got ${JSON.stringify(long.slice(0, 100))}).`);
    expect(longError.message).not.toContain('END');

    rawRequest(server.port, head('Content-Length: 2\r\n') + '{}');
    expect(failure(await server.next()).message).toMatch(/\(got none\)\.$/);
  });

  it('413 names the limit and carries Connection: close, declared or chunked; reading stops with no listener left', async () => {
    server = await bodyServer();
    rawRequest(server.port, head(`Content-Type: application/json\r\nContent-Length: ${LIMIT + 1}\r\n`));
    const declared = await server.next();
    expect(failure(declared)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE', message: `The request body exceeds ${LIMIT} bytes.` });
    expect(declared.error!.headers).toEqual({ Connection: 'close' });

    rawRequest(server.port, head(JSON_CHUNKED) + chunked('x'.repeat(60), 'y'.repeat(60)));
    const streamed = await server.next();
    expect(failure(streamed)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE', message: `The request body exceeds ${LIMIT} bytes.` });
    expect(streamed.error!.headers).toEqual({ Connection: 'close' });
    expect(streamed.leftBehind).toEqual(noneLeft);
  });

  it('an empty chunked body is INVALID_JSON that says it is empty', async () => {
    server = await bodyServer();
    rawRequest(server.port, head(JSON_CHUNKED) + '0\r\n\r\n');
    expect(failure(await server.next())).toMatchObject({ status: 400, code: 'INVALID_JSON', message: 'The request body is empty; send a JSON object.' });
  });

  it('malformed JSON quotes the parser; bytes that are not UTF-8 say so', async () => {
    server = await bodyServer();
    const text = '{"id": nope}';
    let parserSays = '';
    try {
      JSON.parse(text);
    } catch (e) {
      parserSays = (e as SyntaxError).message;
    }
    rawRequest(server.port, head(`Content-Type: application/json\r\nContent-Length: ${text.length}\r\n`) + text);
    expect(failure(await server.next())).toMatchObject({ status: 400, code: 'INVALID_JSON', message: `The request body is not valid JSON: ${parserSays}.` });

    const latin1 = Buffer.from([0x22, 0xe9, 0x22]);
    rawRequest(server.port, Buffer.concat([Buffer.from(head('Content-Type: application/json\r\nContent-Length: 3\r\n')), latin1]));
    expect(failure(await server.next())).toMatchObject({ status: 400, code: 'INVALID_JSON', message: 'The request body is not valid JSON: it is not valid UTF-8.' });
  });

  it('a valid body is parsed, and every listener it added is removed', async () => {
    server = await bodyServer();
    rawRequest(server.port, head(JSON_CHUNKED) + chunked('{"id":', '"a"}') + '0\r\n\r\n');
    const ok = await server.next();
    expect(ok.value).toEqual({ id: 'a' });
    expect(ok.leftBehind).toEqual(noneLeft);
  });
});

describe('readJsonBody: a body that never completes', () => {
  it('the client closing mid-body rejects with BODY_ABORTED (not a hang), no listener left', async () => {
    server = await bodyServer();
    rawRequest(server.port, head(JSON_CHUNKED) + chunked('{"id":'), true);
    const aborted = await server.next();
    expect(failure(aborted)).toMatchObject({ status: 400, code: 'BODY_ABORTED', message: 'The request body could not be read.' });
    expect(aborted.leftBehind).toEqual(noneLeft);
  });

  it('a request destroyed without an error (only "close", no "error") rejects with BODY_ABORTED', async () => {
    // Node emits "error" on a request only when someone listens; a plain destroy() emits "close" alone.
    server = await bodyServer((req) => req.once('data', () => req.destroy()));
    rawRequest(server.port, head(JSON_CHUNKED) + chunked('{"id":'));
    expect(failure(await server.next())).toMatchObject({ status: 400, code: 'BODY_ABORTED' });
  });
});
