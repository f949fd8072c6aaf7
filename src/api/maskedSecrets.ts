/**
 * The API shows every secret-looking setting as `***` (see src/secrets/scrub.ts). A client that
 * reads an account's configuration, changes one field and sends the settings back would store
 * that mask in place of the secret, and the worker would log in with `***`. So a body that
 * carries the mask where a secret goes is refused, before anything is changed.
 */
import { InvalidAccountError } from '../errors.js';
import { isSecretKey } from '../secrets/secretKeys.js';
import { MASK } from '../secrets/scrub.js';

/**
 * Throws `InvalidAccountError` (code `INVALID_ACCOUNT`, HTTP 400) naming the first field of a
 * `POST /v1/accounts` or `PATCH /v1/accounts/:id` body whose value is the mask the API shows in
 * place of a secret: `credentials`, or a secret-looking key anywhere under `settings`.
 *
 * @example
 * ```ts
 * assertNoMaskedSecrets({ settings: { region: 'eu' } }); // fine
 * assertNoMaskedSecrets({ settings: { apiKey: '***' } }); // throws: field "settings.apiKey"
 * ```
 */
export function assertNoMaskedSecrets(body: unknown): void {
  if (!isObject(body)) return;
  if (body.credentials === MASK) throw masked('credentials');
  if (isObject(body.settings)) walk(body.settings, 'settings', 0);
}

function walk(value: Record<string, unknown> | unknown[], path: string, depth: number): void {
  // Settings are bounded in depth by the settings limits; this only guards against a cycle-free
  // but absurdly deep body reaching here before those limits are checked.
  if (depth > 32) return;
  for (const [key, item] of Object.entries(value)) {
    const where = Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`;
    if (item === MASK && !Array.isArray(value) && isSecretKey(key)) throw masked(where);
    if (isObject(item) || Array.isArray(item)) walk(item, where, depth + 1);
  }
}

function masked(field: string): InvalidAccountError {
  return new InvalidAccountError(
    field,
    `is "${MASK}", the mask the API shows in place of a secret; send the real value, or leave the field out to keep the stored one (statevisor accounts update <id> --settings '{"region":"us"}' changes only the keys it names)`,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
