import type { Logger } from 'pino';
import type { Supervisor } from '../createSupervisor.js';
import { StatevisorError } from '../errors.js';
import { defaultLogger } from '../logging/redaction.js';
import type { StoreWriteLatency } from './instrumentStore.js';
import { stripUndefined } from './listen.js';
import { MIN_TOKEN_LENGTH } from './token.js';

/** Every default of {@link ControlApiOptions}, in one place. */
export const CONTROL_API_DEFAULTS = Object.freeze({
  /** Loopback only: the API controls every account. */
  host: '127.0.0.1',
  port: 7070,
  /** Largest accepted request body (64 KiB); larger → 413 without reading it. */
  maxBodyBytes: 65_536,
  /** Unread bytes a live-stream client may accumulate before it is cut off with 4008 (1 MiB). */
  eventBufferLimit: 1_048_576,
  /** Live-stream ping period; a client that misses one pong is dropped. */
  pingIntervalMs: 30_000,
  /** `close()`'s deadline when none is passed. */
  closeTimeoutMs: 5_000,
  /** Whole-request deadline (headers and body), from the first byte; answered 408 and closed past it. */
  requestTimeoutMs: 30_000,
  /** Deadline for a request's headers (slow-loris protection); answered 408 and closed past it. */
  headersTimeoutMs: 10_000,
  /** Open connections at most (HTTP and live stream together); more are closed at once, and a warning is logged. */
  maxConnections: 512,
});

/**
 * Options of `createControlApi()`. Give `token` (explicitly configured) or `dataDir` (the token
 * is read from, or on first start generated into, `<dataDir>/api-token`).
 */
export interface ControlApiOptions {
  supervisor: Supervisor;
  /** Default `127.0.0.1`. A non-loopback host requires an explicit `token`. */
  host?: string;
  /** Default 7070; 0 picks a free port (see `ControlApi.port`). */
  port?: number;
  /** The bearer token, at least 16 characters. Explicit: allows a non-loopback `host`. */
  token?: string;
  /** Where `api-token` lives when no `token` is given (the daemon: the data file's directory). */
  dataDir?: string;
  /** Default: statevisor's default pino logger. Requests are logged at `debug`, unexpected errors at `error`; never headers or bodies. */
  logger?: Logger;
  /** Default 65536. */
  maxBodyBytes?: number;
  /** Default 1 MiB. */
  eventBufferLimit?: number;
  /** Default 30000. */
  pingIntervalMs?: number;
  /** Default 10000: a request whose headers take longer is answered 408 and closed (checked about every second). */
  headersTimeoutMs?: number;
  /** Default 30000: a request (headers and body) that takes longer to arrive is answered 408 and closed. At least `headersTimeoutMs`. */
  requestTimeoutMs?: number;
  /** Default 512: concurrent connections at most; beyond it new connections are closed at once and a warning is logged (at most every 10 s). */
  maxConnections?: number;
  /** Extra readiness condition for `GET /health` (for example "the upstream is reachable"). Default: always ready. */
  ready?: () => boolean;
  /** Store write latency for `/metrics`: `instrumentStore(store).writeLatency`. Default: not reported. */
  writeLatency?: StoreWriteLatency;
  /** Cluster mode: what `GET /v1/cluster` answers (nodes, shard owners). Default: that route answers 404. */
  cluster?: () => Promise<unknown>;
  /**
   * Whose accounts `GET /metrics` counts. Default `supervisor`. In cluster mode `supervisor` shows
   * the whole cluster while each node's metrics count only the accounts it runs (every node
   * exports its own; summing over nodes gives the cluster without counting an account twice), so
   * the daemon passes the node's local supervisor here.
   */
  metricsSupervisor?: Supervisor;
  /** More metric families appended to `GET /metrics` (Prometheus text format), such as the cluster node's. */
  extraMetrics?: () => string;
}

/** Options with every default applied; `token` still to resolve. */
export type ResolvedApiOptions = Required<Omit<ControlApiOptions, 'token' | 'dataDir' | 'ready' | 'writeLatency' | 'cluster' | 'metricsSupervisor' | 'extraMetrics'>> &
  Pick<ControlApiOptions, 'token' | 'dataDir' | 'ready' | 'writeLatency' | 'cluster' | 'metricsSupervisor' | 'extraMetrics'>;

/**
 * Applies {@link CONTROL_API_DEFAULTS} and checks the options.
 *
 * @throws StatevisorError `INVALID_OPTIONS` naming the option.
 *
 * @example
 * ```ts
 * resolveApiOptions({ supervisor, dataDir: './data' }).port; // 7070
 * ```
 */
export function resolveApiOptions(options: ControlApiOptions): ResolvedApiOptions {
  const resolved: ResolvedApiOptions = {
    host: CONTROL_API_DEFAULTS.host,
    port: CONTROL_API_DEFAULTS.port,
    maxBodyBytes: CONTROL_API_DEFAULTS.maxBodyBytes,
    eventBufferLimit: CONTROL_API_DEFAULTS.eventBufferLimit,
    pingIntervalMs: CONTROL_API_DEFAULTS.pingIntervalMs,
    headersTimeoutMs: CONTROL_API_DEFAULTS.headersTimeoutMs,
    requestTimeoutMs: CONTROL_API_DEFAULTS.requestTimeoutMs,
    maxConnections: CONTROL_API_DEFAULTS.maxConnections,
    logger: options.logger ?? defaultLogger(),
    ...stripUndefined(options),
    supervisor: options.supervisor,
  };
  if (resolved.token === undefined && resolved.dataDir === undefined) invalid('token', 'or "dataDir" is required');
  if (resolved.token !== undefined && resolved.token.length < MIN_TOKEN_LENGTH) invalid('token', `must be at least ${MIN_TOKEN_LENGTH} characters`);
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65_535) invalid('port', 'must be an integer from 0 to 65535');
  if (!(resolved.maxBodyBytes > 0)) invalid('maxBodyBytes', 'must be positive');
  if (!(resolved.eventBufferLimit > 0)) invalid('eventBufferLimit', 'must be positive');
  if (!Number.isInteger(resolved.headersTimeoutMs) || resolved.headersTimeoutMs <= 0) invalid('headersTimeoutMs', 'must be a positive integer');
  if (!Number.isInteger(resolved.requestTimeoutMs) || resolved.requestTimeoutMs < resolved.headersTimeoutMs) invalid('requestTimeoutMs', 'must be an integer at least headersTimeoutMs');
  if (!Number.isInteger(resolved.maxConnections) || resolved.maxConnections <= 0) invalid('maxConnections', 'must be a positive integer');
  return resolved;
}

function invalid(option: string, reason: string): never {
  throw new StatevisorError('INVALID_OPTIONS', `createControlApi(): option "${option}" ${reason}.`, { retryable: false });
}
