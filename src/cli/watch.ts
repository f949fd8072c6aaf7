import type { ClientRequest, IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { AccountStatus } from '../account.js';
import type { StreamMessage } from '../api/eventStream.js';
import { fromErrorResponse, unreachable } from './client.js';
import type { Connection } from './connection.js';
import { CliError, OPERATOR_EXIT } from './errors.js';

/** What a watch delivers: every stream message, and the statuses after it. */
export type WatchListener = (message: StreamMessage, statuses: ReadonlyMap<string, AccountStatus>) => void;

/**
 * Follows `GET /v1/events` until `signal` aborts or the daemon shuts down, keeping the current
 * statuses. Resolves with why it ended; rejects with a `CliError` when it cannot connect
 * (unreachable, refused token) or the connection breaks.
 *
 * @example
 * ```ts
 * await watchStatuses(connection, signal, (message, statuses) => redraw([...statuses.values()]));
 * ```
 */
export function watchStatuses(connection: Connection, signal: AbortSignal, listener: WatchListener): Promise<'aborted' | 'shutdown'> {
  const statuses = new Map<string, AccountStatus>();
  const url = `${connection.url.replace(/^http/, 'ws')}/v1/events`;
  const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${connection.token}` }, handshakeTimeout: connection.timeoutMs, maxPayload: 256 * 1_048_576 });
  return new Promise((resolve, reject) => {
    let ended: 'aborted' | 'shutdown' | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      ended ??= 'aborted';
      ws.close(1000);
      // A daemon that does not answer the close handshake does not hold the CLI.
      killTimer = setTimeout(() => ws.terminate(), 1_000);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    ws.on('message', (data: Buffer) => {
      const message = parseMessage(data);
      if (!message) return fail(new CliError('CLI_BAD_STREAM', 'The daemon sent a live-stream message that is not valid JSON.', OPERATOR_EXIT.failed));
      apply(statuses, message);
      if (message.type === 'shutdown') ended = 'shutdown';
      listener(message, statuses);
    });
    const fail = (error: CliError) => {
      reject(error);
      ws.terminate();
    };
    ws.on('unexpected-response', (req, res) => readRefusal(req, res, connection, fail));
    ws.on('error', (err) => reject(unreachable(connection, err)));
    ws.on('close', () => {
      clearTimeout(killTimer);
      signal.removeEventListener('abort', onAbort);
      if (ended) resolve(ended);
      else reject(unreachable(connection, new Error('the daemon closed the live stream')));
    });
  });
}

/** The daemon answered the upgrade with an HTTP error (401, 403, 503…): read its JSON error. */
function readRefusal(req: ClientRequest, res: IncomingMessage, connection: Connection, fail: (error: CliError) => void): void {
  let text = '';
  res.on('data', (c: Buffer) => (text += c.toString()));
  res.on('end', () => {
    req.destroy();
    fail(fromErrorResponse(res.statusCode ?? 0, safeParse(text)));
  });
  res.on('error', (err) => fail(unreachable(connection, err)));
}

function parseMessage(data: Buffer): StreamMessage | undefined {
  const parsed = safeParse(data.toString('utf8')) as StreamMessage | undefined;
  return typeof parsed === 'object' && parsed !== null && typeof parsed.type === 'string' ? parsed : undefined;
}

function apply(statuses: Map<string, AccountStatus>, message: StreamMessage): void {
  if (message.type === 'snapshot') {
    statuses.clear();
    for (const s of message.statuses) statuses.set(s.id, s);
  } else if (message.type === 'status') statuses.set(message.id, message.status);
  else if (message.type === 'removed') statuses.delete(message.id);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
