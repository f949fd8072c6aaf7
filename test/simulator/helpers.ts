// Test helpers shared by the simulator and session-worker tests: polling with a bound, and a raw
// ws client that records what the simulator sends.
import { WebSocket } from 'ws';
import { encodeFrame, parseFrame, serverFrameSchema, type ClientFrame, type ServerFrame } from '../../src/protocol/protocol.js';

/** Polls `predicate` every 10 ms; rejects with `message` after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean, timeoutMs = 3_000, message = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}`);
    await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A raw protocol client, closed by `dispose()` (terminate) in every test's cleanup. */
export interface RawClient {
  ws: WebSocket;
  frames: ServerFrame[];
  /** Resolves with the close code and reason; never rejects. */
  closed: Promise<{ code: number; reason: string }>;
  send(frame: ClientFrame | Record<string, unknown>): void;
  /** Waits (bounded) for the next frame of `type` not yet consumed. */
  next<T extends ServerFrame['type']>(type: T, timeoutMs?: number): Promise<Extract<ServerFrame, { type: T }>>;
  dispose(): void;
}

/** Opens a raw client; resolves on 'open', rejects on an error before it (bounded). */
export async function openClient(url: string, timeoutMs = 3_000): Promise<RawClient> {
  const ws = new WebSocket(url);
  const frames: ServerFrame[] = [];
  const consumed = new Set<ServerFrame>();
  ws.on('message', (data) => {
    const frame = parseFrame(serverFrameSchema, (data as Buffer).toString('utf8'));
    if (frame) frames.push(frame);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('open timed out')), timeoutMs);
    ws.once('open', () => (clearTimeout(timer), resolve()));
    ws.once('error', (e) => (clearTimeout(timer), reject(e)));
  });
  ws.on('error', () => {});
  const next = async <T extends ServerFrame['type']>(type: T, ms = 3_000): Promise<Extract<ServerFrame, { type: T }>> => {
    let found: ServerFrame | undefined;
    await waitUntil(() => (found = frames.find((f) => f.type === type && !consumed.has(f))) !== undefined, ms, `a ${type} frame`);
    consumed.add(found!);
    return found as Extract<ServerFrame, { type: T }>;
  };
  return { ws, frames, closed, next, send: (f) => ws.send(encodeFrame(f as ClientFrame)), dispose: () => ws.terminate() };
}

/** Opens a client and registers it; resolves with the client and its session id. */
export async function registerClient(url: string, accountId: string, token = 'tok'): Promise<RawClient & { sessionId: string }> {
  const client = await openClient(url);
  client.send({ type: 'register', accountId, token });
  const { sessionId } = await client.next('registered');
  return Object.assign(client, { sessionId });
}

/** Counts of active resources by type (Timeout, TCPSocketWrap, …). */
export function activeResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** `true` when no resource type has more entries than in `baseline`. */
export function atOrBelow(baseline: Map<string, number>): boolean {
  for (const [type, n] of activeResources()) if (n > (baseline.get(type) ?? 0)) return false;
  return true;
}
