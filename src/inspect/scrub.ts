/**
 * Moved to `src/secrets` (one secrets module for logs, API and inspection); re-exported here so
 * existing imports keep working.
 */
export { MASK, SAFE_JSON_DEPTH, SECRET_KEY_PATTERN, scrubReplacer, toSafeJson } from '../secrets/scrub.js';
