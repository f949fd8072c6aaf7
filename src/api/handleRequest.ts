import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { dashboardReply, isDashboardPath } from '../dashboard/index.js';
import { scrubReplacer } from '../secrets/scrub.js';
import { auditedCommand, logAudit, remoteOf } from './audit.js';
import type { TokenCheck } from './auth.js';
import { hasBody, readJsonBody } from './body.js';
import type { Endpoint, Reply } from './endpoints.js';
import { toErrorReply } from './errorReply.js';
import { HttpError } from './errors.js';
import { matchRoute, parseTarget, type Route } from './routes.js';

/** What the request handler needs; `closing` turns every request into a 503. */
export interface RequestDeps {
  routes: readonly Route<Endpoint>[];
  auth: TokenCheck;
  maxBodyBytes: number;
  log: Logger;
  closing: () => boolean;
}

/** Paths served without a token. */
const PUBLIC_PATHS = new Set(['/health']);

/**
 * Answers one HTTP request; never rejects, never throws. The order of checks is fixed: shutting
 * down (503), authentication (401/403, except `GET /health`), route (404/405; `HEAD` is served as
 * `GET` without a body), body (415/413/400), then the endpoint. Any error that is not an expected one
 * is logged and answered with a generic 500. Commands (add, update, remove, enable, disable,
 * restart, reload) are written to the audit log once answered, whatever the outcome (see `logAudit`).
 *
 * @example
 * ```ts
 * http.createServer((req, res) => void handleRequest(req, res, deps));
 * ```
 */
export async function handleRequest(req: IncomingMessage, res: ServerResponse, deps: RequestDeps): Promise<void> {
  const started = performance.now();
  const seen: Seen = {};
  let reply: Reply;
  let code: string | undefined;
  try {
    reply = await dispatch(req, deps, seen);
  } catch (err) {
    const e = toErrorReply(err);
    if (e.unexpected) deps.log.error({ err, method: req.method, path: pathOf(req.url) }, 'control API: unexpected error while handling a request');
    reply = { status: e.status, json: e.body, headers: e.headers };
    code = e.body.error.code;
  }
  writeReply(req, res, reply, deps.log);
  if (seen.command) logAudit(deps.log, { ...seen.command, ...(seen.command.command === 'add' && seen.addedId !== undefined ? { accountId: seen.addedId } : {}), status: reply.status, ...(code ? { code } : {}), remote: remoteOf(req) });
  deps.log.debug({ method: req.method, path: pathOf(req.url), status: reply.status, ms: Math.round(performance.now() - started) }, 'control API request');
}

/** What dispatch learned about the request before it was answered, for the audit log. */
interface Seen {
  command?: ReturnType<typeof auditedCommand>;
  addedId?: string;
}

async function dispatch(req: IncomingMessage, deps: RequestDeps, seen: Seen): Promise<Reply> {
  if (deps.closing()) throw new HttpError(503, 'SHUTTING_DOWN', 'The daemon is shutting down.', undefined, { Connection: 'close' });
  const target = parseTarget(req.url);
  if (isDashboardPath(target.path)) return dashboardReply(req.method ?? '', target.path); // the page asks for the token itself
  seen.command = auditedCommand(req.method, target.segments);
  if (!PUBLIC_PATHS.has(target.path)) authenticate(req.headers.authorization, deps.auth);
  // HEAD is GET without the body (writeReply leaves it out): `HEAD /health` works for probes.
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? '');
  const { handler, params } = matchRoute(deps.routes, method, target.segments);
  let body: unknown;
  if (handler.body !== 'none') {
    body = await readJsonBody(req, deps.maxBodyBytes);
    const id = (body as { id?: unknown } | undefined)?.id;
    if (typeof id === 'string') seen.addedId = id;
    if (body === undefined && handler.body === 'required') {
      const type = req.headers['content-type'];
      if (type === undefined) throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'This endpoint needs a JSON body with "Content-Type: application/json".');
      throw new HttpError(400, 'INVALID_JSON', 'This endpoint needs a JSON body; the request had none.');
    }
  }
  return handler.run(params, body, req.headers);
}

/**
 * Throws 401 (no bearer token) or 403 (a wrong one). The comparison is constant-time.
 *
 * @example
 * ```ts
 * authenticate(req.headers.authorization, tokenCheck(token));
 * ```
 */
export function authenticate(authorization: string | undefined, auth: TokenCheck): void {
  const result = auth.header(authorization);
  if (result === 'missing') {
    throw new HttpError(401, 'UNAUTHORIZED', 'Authentication required: send "Authorization: Bearer <token>" (the token is in <data dir>/api-token).', undefined, {
      'WWW-Authenticate': 'Bearer realm="statevisor"',
    });
  }
  if (result === 'wrong') throw new HttpError(403, 'FORBIDDEN', 'The bearer token is not valid for this daemon.');
}

function writeReply(req: IncomingMessage, res: ServerResponse, reply: Reply, log: Logger): void {
  if (res.headersSent || res.destroyed) return;
  try {
    const body = reply.text ? reply.text.body : JSON.stringify(reply.json ?? null, scrubReplacer);
    const headers: Record<string, string | number> = {
      'Content-Type': reply.text ? reply.text.contentType : 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      ...reply.headers,
    };
    // A body we did not read to its end must not be parsed as the next request: close instead.
    if (hasBody(req) && !req.complete) headers.Connection = 'close';
    res.writeHead(reply.status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch (err) {
    log.error({ err }, 'control API: writing a response failed');
    res.destroy();
  }
}

/**
 * The path of a request URL without its query (which may hold a `?token=`): safe to log.
 *
 * @example
 * ```ts
 * pathOf('/v1/events?token=s3cret'); // '/v1/events'
 * ```
 */
export function pathOf(url: string | undefined): string {
  const raw = url ?? '';
  const q = raw.indexOf('?');
  return (q === -1 ? raw : raw.slice(0, q)).slice(0, 200);
}
