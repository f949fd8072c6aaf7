/**
 * The one list of key names that hold secrets. Logs (pino redaction), API responses, the live
 * stream and inspection events all mask values under these keys; there is no second list.
 */

/**
 * Every secret key name, as it is usually spelled. Matching ({@link isSecretKey}) ignores case,
 * `-` and `_`, and is on the whole key: `apiKey`, `API_KEY` and `api-key` are all secret;
 * `keywords` and `tokenBucket` are not. Pino's redaction, which matches exact paths, gets these
 * spellings (see `src/logging/redaction.ts`).
 */
export const SECRET_KEYS: readonly string[] = Object.freeze([
  'credential',
  'credentials',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'id_token',
  'apiKey',
  'api_key',
  'password',
  'passwd',
  'secret',
  'clientSecret',
  'client_secret',
  'cookie',
  'cookies',
  'set-cookie',
  'authorization',
  'proxy-authorization',
]);

const normalize = (key: string) => key.toLowerCase().replace(/[-_]/g, '');
const normalized = new Set(SECRET_KEYS.map(normalize));

/** {@link SECRET_KEYS} as one whole-key pattern that ignores case, `-` and `_`. */
export const SECRET_KEY_PATTERN = new RegExp(`^(${[...normalized].map((k) => [...k].join('[-_]?')).join('|')})$`, 'i');

/**
 * True when values under `key` are secret.
 *
 * @example
 * ```ts
 * isSecretKey('Authorization'); // true
 * isSecretKey('API_KEY'); // true
 * isSecretKey('keywords'); // false
 * ```
 */
export function isSecretKey(key: string): boolean {
  return key.length <= 32 && normalized.has(normalize(key));
}
