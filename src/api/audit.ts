import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';

/** A command the audit log records. */
export type AuditedCommand = 'add' | 'update' | 'remove' | 'enable' | 'disable' | 'restart' | 'reload';

/** What one audit line says: the command, its account, the outcome and who asked. */
export interface AuditEntry {
  command: AuditedCommand;
  accountId?: string;
  status: number;
  /** The error code when the command was refused or failed. */
  code?: string;
  remote: string | undefined;
}

const VERBS = new Set(['restart', 'enable', 'disable']);

/**
 * The command a request is, if it is one the audit log records: add, update, remove, enable,
 * disable, restart, reload. Reads (`GET`) are not commands.
 *
 * @example
 * ```ts
 * auditedCommand('POST', ['v1', 'accounts', 'shop-1', 'restart']); // { command: 'restart', accountId: 'shop-1' }
 * ```
 */
export function auditedCommand(method: string | undefined, segments: readonly string[]): { command: AuditedCommand; accountId?: string } | undefined {
  if (segments[0] !== 'v1') return undefined;
  const [, resource, id, verb] = segments;
  if (resource === 'reload' && segments.length === 2 && method === 'POST') return { command: 'reload' };
  if (resource !== 'accounts') return undefined;
  if (segments.length === 2 && method === 'POST') return { command: 'add' };
  if (segments.length === 3 && method === 'PATCH') return { command: 'update', accountId: id! };
  if (segments.length === 3 && method === 'DELETE') return { command: 'remove', accountId: id! };
  if (segments.length === 4 && method === 'POST' && VERBS.has(verb!)) return { command: verb as AuditedCommand, accountId: id! };
  return undefined;
}

/**
 * Logs one command at `info`, once, after it was answered: what, which account, the outcome
 * (status and error code) and the client's address. Never the body, headers or token, so
 * never credentials. The line has `audit: true` to filter on.
 *
 * @example
 * ```ts
 * logAudit(log, { command: 'add', accountId: 'shop-1', status: 201, remote: '127.0.0.1' });
 * // {"audit":true,"command":"add","accountId":"shop-1","status":201,"outcome":"ok","remote":"127.0.0.1","msg":"audit: add shop-1 → 201 ok"}
 * ```
 */
export function logAudit(log: Logger, entry: AuditEntry): void {
  const outcome = entry.status < 400 ? 'ok' : (entry.code ?? `HTTP_${entry.status}`);
  const id = entry.accountId === undefined ? undefined : entry.accountId.slice(0, 200);
  log.info(
    { audit: true, command: entry.command, ...(id === undefined ? {} : { accountId: id }), status: entry.status, outcome, remote: entry.remote },
    `audit: ${entry.command}${id === undefined ? '' : ` ${JSON.stringify(id)}`} → ${entry.status} ${outcome}`,
  );
}

/**
 * The client's address for the audit log (the socket's peer; no proxy headers are trusted).
 *
 * @example
 * ```ts
 * remoteOf(req); // '127.0.0.1'
 * ```
 */
export function remoteOf(req: IncomingMessage): string | undefined {
  return req.socket.remoteAddress;
}
