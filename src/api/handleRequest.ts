import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { scrubReplacer } from '../inspect/scrub.js';
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
 * down (503), authentication (401/403, except `GET /health`), route (404/405), body (415/413/400),
 * then the endpoint. Any error that is not an expected one is logged and answered with a generic 500.
 *
 * @example
 * ```ts
 * http.createServer((req, res) => void handleRequest(req, res, deps));
 * ```
 */
export async function handleRequest(req: IncomingMessage, res: ServerResponse, deps: RequestDeps): Promise<void> {
  const started = performance.now();
  let reply: Reply;
  try {
    reply = await dispatch(req, deps);
  } catch (err) {
    const e = toErrorReply(err);
    if (e.unexpected) deps.log.error({ err, method: req.method, path: pathOf(req.url) }, 'control API: unexpected error while handling a request');
    reply = { status: e.status, json: e.body, headers: e.headers };
  }
  writeReply(req, res, reply, deps.log);
  deps.log.debug({ method: req.method, path: pathOf(req.url), status: reply.status, ms: Math.round(performance.now() - started) }, 'control API request');
}

async function dispatch(req: IncomingMessage, deps: RequestDeps): Promise<Reply> {
  if (deps.closing()) throw new HttpError(503, 'SHUTTING_DOWN', 'The daemon is shutting down.', undefined, { Connection: 'close' });
  const target = parseTarget(req.url);
  if (!PUBLIC_PATHS.has(target.path)) authenticate(req.headers.authorization, deps.auth);
  const { handler, params } = matchRoute(deps.routes, req.method ?? '', target.segments);
  let body: unknown;
  if (handler.body !== 'none') {
    body = await readJsonBody(req, deps.maxBodyBytes);
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
