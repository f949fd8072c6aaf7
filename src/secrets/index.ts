/**
 * Secrets: the one list of secret key names, masking them out of anything statevisor sends out
 * of the process (logs, API responses, the live stream, inspection events), and redacting URLs.
 *
 * @example
 * ```ts
 * import { isSecretKey, redactUrl, toSafeJson } from './secrets/index.js';
 * ```
 * @packageDocumentation
 */
export { isSecretKey, SECRET_KEYS, SECRET_KEY_PATTERN } from './secretKeys.js';
export { MASK, SAFE_JSON_DEPTH, scrubReplacer, toSafeJson } from './scrub.js';
export { redactUrl, redactUrlsIn, URL_MASK } from './redactUrl.js';
