/**
 * Options of `createSimulator()` and every default, in one place.
 */

/** What the platform decides about a `register`: accept, reject the token (4001) or ban (4003). */
export type AuthVerdict = 'ok' | 'reject' | 'ban';

/**
 * How tokens are checked: a function, or a map of account id → the one accepted token (accounts
 * missing from the map are rejected).
 *
 * @example
 * ```ts
 * const auth: AuthPolicy = (accountId, token) => (token === `secret-${accountId}` ? 'ok' : 'reject');
 * ```
 */
export type AuthPolicy = ((accountId: string, token: string) => AuthVerdict) | Readonly<Record<string, string>>;

/** A second session registered while one was live for the same account. @example `{ accountId: 'shop-1', sessions: 2, at: 1700000000000 }` */
export interface Violation {
  accountId: string;
  /** Live sessions of the account, this one included (≥ 2). */
  sessions: number;
  at: number;
}

/**
 * Options of `createSimulator()`.
 *
 * | option | default |
 * |---|---|
 * | `host` | `'127.0.0.1'` (anything else needs `allowRemote: true`) |
 * | `port` | `0` (an ephemeral port; read `simulator.port`) |
 * | `auth` | {@link defaultAuth}: empty → reject, `bad…` → reject, `banned…` → ban, else ok |
 * | `rate` | `0` pushed messages per second per session (off) |
 * | `texts` | {@link DEFAULT_TEXTS}, used round-robin by the pusher |
 * | `registerTimeoutMs` | `10 000`: a connection that does not register in time is closed with 4008 |
 * | `closeGraceMs` | `250`: in `close()`, how long clients get to answer close 1001 before termination |
 * | `idleTimeoutMs` | `0` (off): a connection that sent no frame (message or ping) for this long is closed with 4008, as platforms drop silent clients |
 *
 * @example
 * ```ts
 * const sim = await createSimulator({ rate: 2, auth: { 'shop-1': 'tok-1' } });
 * ```
 */
export interface SimulatorOptions {
  host?: string;
  port?: number;
  /** Required to listen on a non-loopback host: the control endpoint has no authentication. */
  allowRemote?: boolean;
  auth?: AuthPolicy;
  rate?: number;
  texts?: readonly string[];
  registerTimeoutMs?: number;
  closeGraceMs?: number;
  /** Close (4008) a connection that sent no frame for this long; 0 = never. Default 0. */
  idleTimeoutMs?: number;
  /** Called (as well as the `violation` event) when an account gets a second live session. */
  onViolation?: (violation: Violation) => void;
}

/**
 * Texts the pusher sends by default: some match typical keyword rules, some do not.
 *
 * @example
 * ```ts
 * createSimulator({ rate: 1, texts: DEFAULT_TEXTS.slice(0, 2) });
 * ```
 */
export const DEFAULT_TEXTS: readonly string[] = Object.freeze([
  'hello, is anyone there?',
  'what is the price?',
  'Where is my order #1234?',
  'thanks!',
  'Can I get a refund?',
]);

/**
 * The default token check: empty token → `'reject'`, token starting with `banned` → `'ban'`,
 * with `bad` → `'reject'`, anything else → `'ok'`.
 *
 * @example
 * ```ts
 * defaultAuth('a', 'banned-1'); // 'ban'
 * ```
 */
export function defaultAuth(_accountId: string, token: string): AuthVerdict {
  if (token === '') return 'reject';
  if (token.startsWith('banned')) return 'ban';
  if (token.startsWith('bad')) return 'reject';
  return 'ok';
}

/** {@link SimulatorOptions} with defaults applied and `auth` turned into a function. @example `resolveSimulatorOptions({}).rate // 0` */
export interface ResolvedSimulatorOptions {
  host: string;
  port: number;
  auth: (accountId: string, token: string) => AuthVerdict;
  rate: number;
  texts: readonly string[];
  registerTimeoutMs: number;
  closeGraceMs: number;
  idleTimeoutMs: number;
  onViolation: ((violation: Violation) => void) | undefined;
}

/**
 * Applies defaults and refuses a non-loopback host unless `allowRemote` is set.
 *
 * @example
 * ```ts
 * resolveSimulatorOptions({}).host; // '127.0.0.1'
 * ```
 */
export function resolveSimulatorOptions(o: SimulatorOptions): ResolvedSimulatorOptions {
  const host = o.host ?? '127.0.0.1';
  if (!isLoopback(host) && o.allowRemote !== true) {
    throw new RangeError(`simulator: host "${host}" is not loopback; its control endpoint is unauthenticated. Pass allowRemote: true to do it anyway.`);
  }
  const rate = o.rate ?? 0;
  if (!(rate >= 0) || !Number.isFinite(rate)) throw new RangeError(`simulator: rate must be a finite number ≥ 0, got ${rate}`);
  const texts = o.texts && o.texts.length > 0 ? o.texts : DEFAULT_TEXTS;
  const idleTimeoutMs = o.idleTimeoutMs ?? 0;
  if (!Number.isInteger(idleTimeoutMs) || idleTimeoutMs < 0 || idleTimeoutMs > 2_147_483_647) {
    throw new RangeError(`simulator: idleTimeoutMs must be an integer number of milliseconds ≥ 0 (0 = off), got ${idleTimeoutMs}`);
  }
  return {
    host,
    port: o.port ?? 0,
    auth: toAuthFunction(o.auth ?? defaultAuth),
    rate,
    texts,
    registerTimeoutMs: o.registerTimeoutMs ?? 10_000,
    closeGraceMs: o.closeGraceMs ?? 250,
    idleTimeoutMs,
    onViolation: o.onViolation,
  };
}

/**
 * `true` for 127.0.0.0/8, `::1` and `localhost`.
 *
 * @example
 * ```ts
 * isLoopback('0.0.0.0'); // false
 * ```
 */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function toAuthFunction(auth: AuthPolicy): (accountId: string, token: string) => AuthVerdict {
  if (typeof auth === 'function') return auth;
  const tokens = new Map(Object.entries(auth));
  return (accountId, token) => (tokens.get(accountId) === token ? 'ok' : 'reject');
}
