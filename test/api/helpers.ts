import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { pino } from 'pino';
import WebSocket from 'ws';
import { createControlApi, type ControlApi, type ControlApiOptions } from '../../src/api/index.js';
import type { WorkerContext } from '../../src/worker/worker.js';
import { createSupervisor, memoryStore, type AccountStatus, type AccountStore, type Supervisor } from '../../src/index.js';

export const TOKEN = 'test-token-0123456789abcdef';
export const silent = pino({ level: 'silent' });

/** A cooperative worker: runs until its signal aborts; its context is kept for `report()` calls. */
export function cooperativeWorker() {
  const contexts = new Map<string, WorkerContext>();
  const worker = async (ctx: WorkerContext) => {
    contexts.set(ctx.account.id, ctx);
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  };
  return { worker, contexts };
}

export interface Harness {
  supervisor: Supervisor;
  store: AccountStore;
  api: ControlApi;
  contexts: Map<string, WorkerContext>;
  stop(): Promise<void>;
}

/** A started supervisor over `memoryStore()` and a cooperative worker, with an API on an ephemeral port. */
export async function startHarness(apiOptions: Partial<ControlApiOptions> = {}): Promise<Harness> {
  const store = memoryStore();
  const { worker, contexts } = cooperativeWorker();
  const supervisor = createSupervisor({ worker, store, logger: silent, cancelTimeoutMs: 500, shutdownTimeoutMs: 3_000, restart: { backoff: { minMs: 5, maxMs: 20, jitter: 'none' } } });
  await supervisor.start();
  const api = await createControlApi({ supervisor, port: 0, token: TOKEN, logger: silent, ...apiOptions });
  const stop = async () => {
    await supervisor.shutdown({ timeoutMs: 3_000 });
    await api.close({ timeoutMs: 2_000 });
  };
  return { supervisor, store, api, contexts, stop };
}

export interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
}

export interface RequestOptions {
  method?: string;
  token?: string | null;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body chunked (no Content-Length). */
  chunked?: boolean;
  timeoutMs?: number;
}

/**
 * One HTTP request over a fresh connection, bounded by `timeoutMs`. Resolves with the response, or
 * with `status: 0` when the server closed the connection before answering (allowed only for
 * oversized bodies).
 */
export function call(base: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  const url = new URL(base);
  const headers: Record<string, string | number> = { ...opts.headers };
  if (opts.token !== null) headers.Authorization ??= `Bearer ${opts.token ?? TOKEN}`;
  if (opts.body !== undefined && !opts.chunked) headers['Content-Length'] = Buffer.byteLength(opts.body);
  return new Promise<Response>((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method: opts.method ?? 'GET', path, headers, agent: false, timeout: opts.timeoutMs ?? 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parse(text) });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`request ${opts.method ?? 'GET'} ${path} timed out`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') resolve({ status: 0, headers: {}, text: '', json: undefined });
      else reject(err);
    });
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The `error` of an error response. */
export function errorOf(res: Response): { code: string; message: string; field?: string } {
  return (res.json as { error: { code: string; message: string; field?: string } }).error;
}

/** The `account` of a single-account response. */
export function accountOf(res: Response): AccountStatus {
  return (res.json as { account: AccountStatus }).account;
}

/** POST/PATCH with a JSON body. */
export function send(base: string, method: string, path: string, body: unknown, opts: RequestOptions = {}): Promise<Response> {
  return call(base, path, { ...opts, method, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...opts.headers } });
}

/** A WebSocket client on /v1/events that records every message. */
export interface StreamClient {
  ws: WebSocket;
  messages: Record<string, unknown>[];
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves once `predicate` holds for the messages received so far. */
  until(predicate: (messages: Record<string, unknown>[]) => boolean, timeoutMs?: number): Promise<void>;
}

export function openStream(base: string, opts: { token?: string; query?: boolean } = {}): Promise<StreamClient> {
  const token = opts.token ?? TOKEN;
  const url = `${base.replace(/^http/, 'ws')}/v1/events${opts.query ? `?token=${encodeURIComponent(token)}` : ''}`;
  const ws = new WebSocket(url, opts.query ? {} : { headers: { Authorization: `Bearer ${token}` } });
  const messages: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data: Buffer) => {
    messages.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
    waiters.forEach((w) => w());
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const until = (predicate: (m: Record<string, unknown>[]) => boolean, timeoutMs = 5_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!predicate(messages)) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`stream condition not met within ${timeoutMs} ms; got ${messages.length} messages`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return new Promise<StreamClient>((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, closed, until }));
    ws.once('error', reject);
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
