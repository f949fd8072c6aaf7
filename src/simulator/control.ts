/**
 * The simulator's HTTP control channel, so a simulator in another process can be driven:
 * `POST /control` with a JSON {@link ControlCommand}, `GET /stats` for the ground truth.
 * It has no authentication, which is why the simulator listens on loopback only by default.
 */
import type http from 'node:http';
import { z } from 'zod';
import type { SimulatorStats } from './ledger.js';
import type { Simulator } from './simulator.js';

const accountId = z.string().min(1).max(128);
const ms = z.number().finite().nonnegative();

/**
 * Body of `POST /control`.
 *
 * @example
 * ```ts
 * controlCommandSchema.parse({ op: 'halfOpen', accountId: 'shop-1', on: true });
 * ```
 */
export const controlCommandSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('drop'), accountId, mode: z.enum(['abrupt', 'close']).optional() }),
  z.object({ op: z.literal('halfOpen'), accountId, on: z.boolean().optional() }),
  z.object({ op: z.literal('rejectCredentials'), accountId }),
  z.object({ op: z.literal('ban'), accountId }),
  z.object({ op: z.literal('restore'), accountId }),
  z.object({ op: z.literal('refuseConnections'), ms }),
  z.object({ op: z.literal('closeSlowly'), ms }),
  z.object({ op: z.literal('dropEvery'), accountId, ms }),
  z.object({ op: z.literal('push'), accountId, text: z.string().max(4096), from: z.string().max(128).optional() }),
  z.object({ op: z.literal('sendRaw'), accountId, text: z.string().max(4096) }),
]);

/** One control command. @example `const c: ControlCommand = { op: 'ban', accountId: 'shop-1' };` */
export type ControlCommand = z.infer<typeof controlCommandSchema>;

const MAX_BODY = 16 * 1024;

/**
 * Runs a command on an in-process simulator; returns what the matching method returned.
 *
 * @example
 * ```ts
 * applyCommand(sim, { op: 'drop', accountId: 'shop-1' }); // 1
 * ```
 */
export function applyCommand(sim: Simulator, c: ControlCommand): unknown {
  switch (c.op) {
    case 'drop': return sim.drop(c.accountId, c.mode);
    case 'halfOpen': return sim.halfOpen(c.accountId, c.on);
    case 'rejectCredentials': return sim.rejectCredentials(c.accountId);
    case 'ban': return sim.ban(c.accountId);
    case 'restore': return sim.restore(c.accountId);
    case 'refuseConnections': return sim.refuseConnections(c.ms);
    case 'closeSlowly': return sim.closeSlowly(c.ms);
    case 'dropEvery': return sim.dropEvery(c.accountId, c.ms);
    case 'push': return sim.push(c.accountId, c.text, c.from);
    case 'sendRaw': return sim.sendRaw(c.accountId, c.text);
  }
}

/**
 * The `request` handler of the simulator's HTTP server.
 *
 * @example
 * ```ts
 * server.on('request', createControlHandler(sim));
 * ```
 */
export function createControlHandler(sim: Simulator): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/stats') return json(res, 200, sim.stats());
    if (req.method !== 'POST' || path !== '/control') return json(res, 404, { ok: false, error: 'use POST /control or GET /stats' });
    readBody(req, (err, body) => {
      if (err) return json(res, 413, { ok: false, error: err.message });
      const parsed = controlCommandSchema.safeParse(safeJson(body));
      if (!parsed.success) return json(res, 400, { ok: false, error: parsed.error.issues[0]?.message ?? 'invalid command' });
      json(res, 200, { ok: true, result: applyCommand(sim, parsed.data) ?? null });
    });
  };
}

function readBody(req: http.IncomingMessage, done: (err: Error | undefined, body: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  });
  req.on('error', () => {});
  req.on('end', () => done(size > MAX_BODY ? new Error(`body over ${MAX_BODY} bytes`) : undefined, Buffer.concat(chunks).toString('utf8')));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/**
 * The control channel seen from another process: the simulator's fault methods, async.
 *
 * @example
 * ```ts
 * const remote = createSimulatorClient('ws://127.0.0.1:8787/');
 * await remote.halfOpen('shop-1', true);
 * (await remote.stats()).accounts['shop-1']?.maxConcurrent;
 * ```
 */
export interface SimulatorClient {
  send(command: ControlCommand): Promise<unknown>;
  stats(): Promise<SimulatorStats>;
  drop(accountId: string, mode?: 'abrupt' | 'close'): Promise<number>;
  halfOpen(accountId: string, on?: boolean): Promise<void>;
  rejectCredentials(accountId: string): Promise<number>;
  ban(accountId: string): Promise<number>;
  restore(accountId: string): Promise<void>;
  refuseConnections(ms: number): Promise<void>;
  closeSlowly(ms: number): Promise<void>;
  dropEvery(accountId: string, ms: number): Promise<void>;
  push(accountId: string, text: string, from?: string): Promise<string[]>;
  /** A text frame sent as it is (over HTTP only text: a control body is JSON). */
  sendRaw(accountId: string, text: string): Promise<number>;
}

/**
 * Drives a simulator over HTTP. `url` is its `ws://` or `http://` address; each call is bounded
 * by `timeoutMs` (default 5 000).
 *
 * @example
 * ```ts
 * await createSimulatorClient(line.listening).drop('shop-1');
 * ```
 */
export function createSimulatorClient(url: string, { timeoutMs = 5_000 }: { timeoutMs?: number } = {}): SimulatorClient {
  const base = new URL(url);
  base.protocol = base.protocol === 'wss:' ? 'https:' : base.protocol === 'ws:' ? 'http:' : base.protocol;
  const call = async (path: string, init?: RequestInit): Promise<unknown> => {
    const res = await fetch(new URL(path, base), { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json()) as { ok?: boolean; error?: string; result?: unknown };
    if (!res.ok) throw new Error(`simulator control ${path} failed with HTTP ${res.status}: ${body.error ?? 'unknown error'}`);
    return path === '/stats' ? body : body.result;
  };
  const send = (command: ControlCommand): Promise<unknown> =>
    call('/control', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(command) });
  return {
    send,
    stats: async () => (await call('/stats')) as SimulatorStats,
    drop: async (accountId, mode) => (await send({ op: 'drop', accountId, ...(mode ? { mode } : {}) })) as number,
    halfOpen: async (accountId, on = true) => void (await send({ op: 'halfOpen', accountId, on })),
    rejectCredentials: async (accountId) => (await send({ op: 'rejectCredentials', accountId })) as number,
    ban: async (accountId) => (await send({ op: 'ban', accountId })) as number,
    restore: async (accountId) => void (await send({ op: 'restore', accountId })),
    refuseConnections: async (ms) => void (await send({ op: 'refuseConnections', ms })),
    closeSlowly: async (ms) => void (await send({ op: 'closeSlowly', ms })),
    dropEvery: async (accountId, ms) => void (await send({ op: 'dropEvery', accountId, ms })),
    push: async (accountId, text, from) => (await send({ op: 'push', accountId, text, ...(from ? { from } : {}) })) as string[],
    sendRaw: async (accountId, text) => (await send({ op: 'sendRaw', accountId, text })) as number,
  };
}
