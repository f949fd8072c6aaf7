import { createHash, timingSafeEqual } from 'node:crypto';

/** How a request's credentials compare with the API token. */
export type AuthResult = 'ok' | 'missing' | 'wrong';

/** Compares presented credentials with the API token; see {@link tokenCheck}. */
export interface TokenCheck {
  /** Checks an `Authorization` header: only `Bearer <token>` counts, anything else is `missing`. */
  header(authorization: string | undefined): AuthResult;
  /** Checks a bare token (a `?token=` query on the event stream). */
  token(presented: string | undefined): AuthResult;
}

/**
 * Returns a checker for the API token. Both sides are hashed with SHA-256 first, so
 * `timingSafeEqual` always compares 32 bytes: the time taken reveals neither the token's length
 * nor how much of it matched.
 *
 * @example
 * ```ts
 * const check = tokenCheck('s3cret-token-of-16+');
 * check.header('Bearer s3cret-token-of-16+'); // 'ok'
 * check.header(undefined); // 'missing'
 * check.token('guess'); // 'wrong'
 * ```
 */
export function tokenCheck(token: string): TokenCheck {
  const expected = sha256(token);
  const compare = (presented: string | undefined): AuthResult => {
    if (presented === undefined || presented === '') return 'missing';
    return timingSafeEqual(sha256(presented), expected) ? 'ok' : 'wrong';
  };
  return { header: (authorization) => compare(bearerToken(authorization)), token: compare };
}

/**
 * The token of an `Authorization: Bearer …` header, or `undefined` for any other form.
 *
 * @example
 * ```ts
 * bearerToken('Bearer abc'); // 'abc'
 * ```
 */
export function bearerToken(authorization: string | undefined): string | undefined {
  if (authorization === undefined) return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  return match?.[1];
}

/**
 * True for hosts only this machine can reach: `localhost`, `127.0.0.0/8`, `::1`.
 *
 * @example
 * ```ts
 * isLoopbackHost('127.0.0.1'); // true
 * isLoopbackHost('0.0.0.0'); // false: every interface
 * ```
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  return /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
