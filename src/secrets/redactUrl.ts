/**
 * URLs carry secrets in two places: user-info (`ws://user:PASS@host`) and the query
 * (`?key=SECRET`). Every URL that reaches a log goes through {@link redactUrl}.
 */

/** What a redacted part of a URL becomes. */
export const URL_MASK = '***';

/**
 * `url` with user name, password, every query value and the fragment masked; scheme, host, port
 * and path kept (they say where, not who). Text that is not a URL becomes `"(invalid url)"`,
 * since a half-parsed string may still hold the secret.
 *
 * @example
 * ```ts
 * redactUrl('ws://user:PASS@host:81/p?key=SECRET&x=1'); // 'ws://***:***@host:81/p?key=***&x=***'
 * redactUrl('http://127.0.0.1:7070'); // 'http://127.0.0.1:7070'
 * ```
 */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '(invalid url)';
  }
  const userInfo = u.username || u.password ? `${URL_MASK}${u.password ? `:${URL_MASK}` : ''}@` : '';
  const keys = [...u.searchParams.keys()];
  const query = u.search === '' ? '' : `?${keys.map((k) => `${encodeURIComponent(k)}=${URL_MASK}`).join('&')}`;
  const fragment = u.hash ? `#${URL_MASK}` : '';
  const path = u.pathname === '/' && !String(url).replace(/[?#].*$/, '').endsWith('/') ? '' : u.pathname;
  return `${u.protocol}//${userInfo}${u.host}${path}${query}${fragment}`;
}

// A scheme, "://", then anything up to whitespace or a quote: a URL inside a longer text.
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

/**
 * `text` with every URL in it that has user-info, a query or a fragment passed through
 * {@link redactUrl}; other text unchanged. Cheap when there is no `://`.
 *
 * @example
 * ```ts
 * redactUrlsIn('connect to ws://u:p@h/?k=v failed'); // 'connect to ws://***:***@h/?k=*** failed'
 * ```
 */
export function redactUrlsIn(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(URL_IN_TEXT, (match) => (/[@?#]/.test(match) ? redactUrl(match) : match));
}
