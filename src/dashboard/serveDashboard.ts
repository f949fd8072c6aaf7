import { dashboardAssets } from './assets.js';
import { lifecycleChart } from './lifecycleChart.js';

/** What the dashboard answers; the control API writes it like any other reply. */
export interface DashboardReply {
  status: number;
  json?: unknown;
  text?: { body: string; contentType: string };
  headers: Readonly<Record<string, string>>;
}

/**
 * The page may load only its own files and talk only to its own origin (fetch and the WebSocket:
 * CSP Level 3 `'self'` covers `ws:`/`wss:` on the same host). No inline script or style, no
 * frames, no plugins, no form posts elsewhere.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = Object.freeze({
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
});

/**
 * True for the paths the dashboard owns: `/` (a redirect), `/ui` and everything under `/ui/`.
 *
 * @example
 * ```ts
 * isDashboardPath('/ui/app.js'); // true
 * isDashboardPath('/v1/accounts'); // false
 * ```
 */
export function isDashboardPath(path: string): boolean {
  return path === '/' || path === '/ui' || path.startsWith('/ui/');
}

/**
 * Answers a request for the dashboard, without a token: the page itself holds nothing secret, it
 * asks for the token and sends it with every API call. `/` and `/ui` redirect to `ui/` with a
 * relative `Location`, so the redirect also works under a reverse proxy's sub-path. Only GET and
 * HEAD; only the known files.
 *
 * @example
 * ```ts
 * dashboardReply('GET', '/ui/').text?.contentType; // 'text/html; charset=utf-8'
 * dashboardReply('GET', '/').headers.Location; // 'ui/'
 * ```
 */
export function dashboardReply(method: string, path: string): DashboardReply {
  if (method !== 'GET' && method !== 'HEAD') {
    return { status: 405, json: { error: { code: 'METHOD_NOT_ALLOWED', message: `${method.slice(0, 20)} is not allowed here; use GET.` } }, headers: { Allow: 'GET, HEAD' } };
  }
  if (path === '/') return redirect('ui/');
  if (path === '/ui') return redirect('ui/');
  const name = path === '/ui/' ? 'index.html' : path.slice('/ui/'.length);
  if (name === 'lifecycle.json') return { status: 200, json: lifecycleChart(), headers: PAGE_HEADERS };
  const asset = dashboardAssets().get(name);
  if (!asset) return { status: 404, json: { error: { code: 'NOT_FOUND', message: `The dashboard has no file "${name.slice(0, 100)}". Open ui/ for the page.` } }, headers: PAGE_HEADERS };
  return { status: 200, text: asset, headers: PAGE_HEADERS };
}

function redirect(location: string): DashboardReply {
  return { status: 302, text: { body: `See ${location}\n`, contentType: 'text/plain; charset=utf-8' }, headers: { Location: location } };
}
