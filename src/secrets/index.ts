/**
 * Secrets: the one list of secret key names, masking them out of anything statevisor sends out
 * of the process (logs, API responses, the live stream, inspection events), and redacting URLs.
 *
 * @example
 * ```ts
 * isSecretKey('apiKey'); // true
 * redactUrl('wss://platform.example/ws?token=abc'); // 'wss://platform.example/ws?token=***'
 * ```
 * @packageDocumentation
 */
export { isSecretKey, SECRET_KEYS, SECRET_KEY_PATTERN } from './secretKeys.js';
export { MASK, SAFE_JSON_DEPTH, scrubReplacer, toSafeJson } from './scrub.js';
export { redactUrl, redactUrlsIn, URL_MASK } from './redactUrl.js';
