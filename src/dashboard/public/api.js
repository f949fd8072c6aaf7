// Talks to the daemon's control API. Every URL is relative to the page (`<base>/ui/`), so the
// dashboard works at any sub-path behind a reverse proxy. The token lives in this tab's
// sessionStorage only: closing the tab or signing out forgets it.

const TOKEN_KEY = 'statevisor.token';
const API_ROOT = new URL('../', document.baseURI);
const TIMEOUT_MS = 10_000;

/** An error answer of the API: `status`, `code`, `message`, and `field` for invalid input. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || 'HTTP_' + status;
    this.field = e.field;
  }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY) || '',
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** `path` is relative to the API root, e.g. `v1/accounts`. */
export function apiUrl(path) {
  return new URL(path, API_ROOT);
}

/** Calls the API with the bearer token; resolves with `{ status, body }` for 2xx and 404 when `allow404`, else throws ApiError. */
export async function api(method, path, { body, allow404 = false, tokenValue = token.get() } = {}) {
  const headers = { authorization: `Bearer ${tokenValue}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(apiUrl(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS), cache: 'no-store' });
  } catch (err) {
    throw Object.assign(new ApiError(0, { error: { code: 'UNREACHABLE', message: `The daemon did not answer (${err && err.name === 'TimeoutError' ? 'timed out' : 'unreachable'}).` } }));
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (res.ok || (allow404 && res.status === 404)) return { status: res.status, body: json };
  throw new ApiError(res.status, json);
}

export const accountPath = (id, tail = '') => `v1/accounts/${encodeURIComponent(id)}${tail}`;

/** The live stream's address: WebSocket on the same origin, the token as a query (browsers cannot set headers on a WebSocket). */
export function eventsUrl() {
  const url = apiUrl('v1/events');
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('token', token.get());
  return url;
}
