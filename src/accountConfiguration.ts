import { createHmac, randomBytes } from 'node:crypto';
import type { Account } from './account.js';
import type { RestartPolicyInput } from './supervision/restartPolicy.js';

/**
 * An account's stored configuration as the control API shows it: everything but the credentials,
 * of which it says only whether some are set, plus the revision that `If-Match` compares.
 */
export interface AccountConfiguration {
  id: string;
  enabled: boolean;
  /** Whether credentials are stored; never the credentials. */
  credentialsSet: boolean;
  settings: Record<string, unknown>;
  restart?: RestartPolicyInput;
  /** Changes whenever any part of the configuration changes, credentials included. The API's `ETag`. */
  revision: string;
}

// Revisions are keyed hashes: a plain hash of the configuration would let anyone holding an ETag
// test guesses of the credentials offline. The key lives as long as the process, so revisions
// change when the daemon restarts (a client then reads the account again: a 412, never a lost write).
const REVISION_KEY = randomBytes(32);

/**
 * The revision of `account`: a keyed hash of its whole configuration (credentials included),
 * independent of key order.
 *
 * @example
 * ```ts
 * accountRevision({ id: 'a', enabled: true, settings: {} }) === accountRevision({ enabled: true, id: 'a', settings: {} }); // true
 * ```
 */
export function accountRevision(account: Account): string {
  return createHmac('sha256', REVISION_KEY).update(canonicalJson(account)).digest('base64url').slice(0, 27);
}

/**
 * The configuration of `account` as the API shows it (no credentials).
 *
 * @example
 * ```ts
 * describeConfiguration({ id: 'a', enabled: true, credentials: 't', settings: {} }).credentialsSet; // true
 * ```
 */
export function describeConfiguration(account: Account): AccountConfiguration {
  return {
    id: account.id,
    enabled: account.enabled,
    credentialsSet: account.credentials !== undefined,
    settings: account.settings,
    ...(account.restart === undefined ? {} : { restart: account.restart }),
    revision: accountRevision(account),
  };
}

/**
 * Whether an `If-Match` header value admits `account` (RFC 9110 §13.1.1, strong comparison): `*`,
 * or a list of entity tags one of which is `"<revision>"`. Weak tags (`W/"…"`) never match.
 *
 * @example
 * ```ts
 * ifMatchAdmits(`"${accountRevision(account)}"`, account); // true
 * ifMatchAdmits('"stale"', account);                       // false
 * ```
 */
export function ifMatchAdmits(header: string, account: Account): boolean {
  const value = header.trim();
  if (value === '*') return true;
  const revision = accountRevision(account);
  return value.split(',').some((tag) => tag.trim() === `"${revision}"`);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
