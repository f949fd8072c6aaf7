import { HttpError } from './errors.js';

/** A parsed request target: the decoded path segments and the raw query. */
export interface Target {
  /** The path as sent, without the query. */
  path: string;
  /** Decoded segments, `/v1/accounts/a%2Fb` → `['v1', 'accounts', 'a/b']`. */
  segments: string[];
  query: URLSearchParams;
}

/**
 * Splits a request URL into path segments and query without `new URL()`, which would read a
 * path such as `//evil.example/x` as a host. Segments are percent-decoded one by one, so an
 * account id may contain `/` when encoded as `%2F`.
 *
 * @throws HttpError 400 `INVALID_PATH` for a target that is not an origin-form path or has bad percent-encoding.
 *
 * @example
 * ```ts
 * parseTarget('/v1/accounts/shop%201?x=1').segments; // ['v1', 'accounts', 'shop 1']
 * ```
 */
export function parseTarget(url: string | undefined): Target {
  const raw = url ?? '';
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  if (!path.startsWith('/')) throw new HttpError(400, 'INVALID_PATH', 'The request target must be a path starting with "/".');
  try {
    const segments = path.slice(1).split('/').map((s) => decodeURIComponent(s));
    return { path, segments, query: new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)) };
  } catch {
    throw new HttpError(400, 'INVALID_PATH', 'The request path has invalid percent-encoding.');
  }
}

/** A route: literal segments and `:name` parameters, with one handler per method. */
export interface Route<H> {
  pattern: readonly string[];
  methods: Readonly<Record<string, H>>;
}

/** The handler a request resolves to, with its path parameters. */
export interface Match<H> {
  handler: H;
  params: Record<string, string>;
}

/**
 * Finds the route for `segments` and `method`.
 *
 * @throws HttpError 404 `NOT_FOUND` when no route has this path, 405 `METHOD_NOT_ALLOWED` (with `Allow`) when one has it but not this method.
 *
 * @example
 * ```ts
 * matchRoute([{ pattern: ['v1', 'accounts', ':id'], methods: { GET: get } }], 'GET', ['v1', 'accounts', 'a']);
 * // { handler: get, params: { id: 'a' } }
 * ```
 */
export function matchRoute<H>(routes: readonly Route<H>[], method: string, segments: readonly string[]): Match<H> {
  for (const route of routes) {
    const params = matchPattern(route.pattern, segments);
    if (!params) continue;
    const handler = Object.hasOwn(route.methods, method) ? route.methods[method] : undefined;
    if (handler) return { handler, params };
    const allow = Object.keys(route.methods).join(', ');
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method.slice(0, 20)} is not allowed here; use ${allow}.`, undefined, { Allow: allow });
  }
  throw new HttpError(404, 'NOT_FOUND', 'No such endpoint. See GET /v1/accounts, /v1/events, /health, /metrics.');
}

function matchPattern(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i += 1) {
    const p = pattern[i]!;
    const s = segments[i]!;
    if (p.startsWith(':')) {
      if (s === '') return undefined;
      params[p.slice(1)] = s;
    } else if (p !== s) return undefined;
  }
  return params;
}
