import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { restartPolicyInputSchema } from '../accountSchema.js';
import { StatevisorError } from '../errors.js';
import { DEFAULT_DATA_FILE } from '../persistence/lowdbOptions.js';

/** The daemon's configuration, every field with its default. See {@link DAEMON_DEFAULTS}. */
export const daemonConfigSchema = z.strictObject({
  /** The lowdb data file. */
  dataFile: z.string().min(1),
  /** WebSocket URL of the platform; none starts the bundled simulator on loopback. */
  upstreamUrl: z.string().url().optional(),
  /** Seed three demo accounts when the store is empty and no upstream is configured. */
  demo: z.boolean(),
  restart: restartPolicyInputSchema.optional(),
  shutdownTimeoutMs: z.number().int().positive(),
  cancelTimeoutMs: z.number().int().positive(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /** Control API address (the API is served by its own module). */
  api: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(0).max(65_535),
    token: z.string().min(16).optional(),
    /** Concurrent connections at most (see `CONTROL_API_DEFAULTS`). */
    maxConnections: z.number().int().positive().optional(),
    /** Deadline for a request's headers, ms (default 10000). */
    headersTimeoutMs: z.number().int().positive().optional(),
    /** Deadline for a whole request, headers and body, ms (default 30000). */
    requestTimeoutMs: z.number().int().positive().optional(),
  }),
  /** Open the data file even if some records are invalid: they are skipped (logged) and kept in the file unchanged. */
  skipInvalid: z.boolean(),
  /** Relay XState inspection events on 127.0.0.1:`inspectPort` (see `src/inspect`). */
  inspect: z.boolean(),
  inspectPort: z.number().int().min(0).max(65_535),
  /** Cluster mode: PostgreSQL instead of the lowdb file (see docs/cluster.md). Never logged: it may hold a password. */
  database: z.strictObject({
    url: z.string().regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// or postgresql:// URL' }).optional(),
    /** The PostgreSQL schema holding statevisor's tables. Default `statevisor`. */
    schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, { error: 'must be a lower-case identifier (a-z, 0-9, _)' }).optional(),
  }),
  /** The session worker's heartbeat interval (keep it below the platform's idle timeout). Default 15 000. */
  heartbeatIntervalMs: z.number().int().positive().optional(),
  /**
   * Admission control: how fast and how many account tasks start (boot, restarts, commands,
   * reload). On by default for the daemon (see DAEMON_DEFAULTS); `startsPerSecond: 0` turns it off.
   */
  admission: z.strictObject({
    startsPerSecond: z.number().nonnegative(),
    burst: z.number().int().positive().optional(),
    maxStarting: z.number().int().positive().optional(),
  }),
  /** This node's id in the cluster; default `<hostname>-<pid>`. */
  nodeId: z.string().min(1).max(128).optional(),
  /** Cluster timings (defaults and reasons: CLUSTER_DEFAULTS in src/cluster/options.ts). */
  cluster: z.strictObject({
    leaseMs: z.number().int().positive().optional(),
    renewMs: z.number().int().positive().optional(),
    shards: z.number().int().min(1).max(65_536).optional(),
    handoverMarginMs: z.number().int().nonnegative().optional(),
    reconcileMs: z.number().int().positive().optional(),
  }),
});

/** The daemon's resolved configuration. */
export type DaemonConfig = z.infer<typeof daemonConfigSchema>;

/** Every default of the daemon's configuration, in one place. */
export const DAEMON_DEFAULTS: DaemonConfig = Object.freeze({
  dataFile: DEFAULT_DATA_FILE,
  demo: true,
  shutdownTimeoutMs: 10_000,
  cancelTimeoutMs: 5_000,
  logLevel: 'info',
  api: { host: '127.0.0.1', port: 7070 },
  skipInvalid: false,
  inspect: false,
  inspectPort: 7071,
  database: {},
  cluster: {},
  // 50 logins a second, at most 50 in any second and 200 in flight: 10,000 accounts start in
  // about 3.5 minutes instead of a burst of seconds that platforms read as an attack. A
  // conservative default; set it to what the platform documents (README "Admission control").
  admission: { startsPerSecond: 50, burst: 50, maxStarting: 200 },
});

/**
 * Environment variables and the key each sets. Values are parsed as JSON when they look like it
 * (numbers, booleans, objects), else taken as strings.
 */
export const ENV_KEYS: Readonly<Record<string, string>> = Object.freeze({
  STATEVISOR_DATA_FILE: 'dataFile',
  STATEVISOR_UPSTREAM_URL: 'upstreamUrl',
  STATEVISOR_DEMO: 'demo',
  STATEVISOR_RESTART: 'restart',
  STATEVISOR_SHUTDOWN_TIMEOUT_MS: 'shutdownTimeoutMs',
  STATEVISOR_CANCEL_TIMEOUT_MS: 'cancelTimeoutMs',
  STATEVISOR_LOG_LEVEL: 'logLevel',
  STATEVISOR_API_HOST: 'api.host',
  STATEVISOR_API_PORT: 'api.port',
  STATEVISOR_API_TOKEN: 'api.token',
  STATEVISOR_API_MAX_CONNECTIONS: 'api.maxConnections',
  STATEVISOR_API_HEADERS_TIMEOUT_MS: 'api.headersTimeoutMs',
  STATEVISOR_API_REQUEST_TIMEOUT_MS: 'api.requestTimeoutMs',
  STATEVISOR_SKIP_INVALID: 'skipInvalid',
  STATEVISOR_INSPECT: 'inspect',
  STATEVISOR_INSPECT_PORT: 'inspectPort',
  STATEVISOR_DATABASE_URL: 'database.url',
  STATEVISOR_NODE_ID: 'nodeId',
  STATEVISOR_DATABASE_SCHEMA: 'database.schema',
  STATEVISOR_HEARTBEAT_INTERVAL_MS: 'heartbeatIntervalMs',
  STATEVISOR_STARTS_PER_SECOND: 'admission.startsPerSecond',
  STATEVISOR_START_BURST: 'admission.burst',
  STATEVISOR_MAX_STARTING: 'admission.maxStarting',
});

/** Bad configuration: names the key (or path) and where it came from. The CLI exits 2. */
export class ConfigError extends StatevisorError {
  constructor(readonly key: string, readonly source: string, reason: string) {
    super('CONFIG_INVALID', `Invalid configuration: "${key}" (from ${source}) ${reason}.`, { retryable: false });
  }
}

type Layer = { source: string; values: Record<string, unknown> };

/**
 * Resolves the configuration: defaults, then `statevisor.config.json` (or `configFile`), then
 * environment variables, then flags — each later layer wins. Validates every key, and checks that
 * the data directory exists (or can be created) and is writable.
 *
 * @throws ConfigError naming the key or path and its source.
 */
export function loadConfig(input: { configFile?: string; cwd: string; env: NodeJS.ProcessEnv; flags: Record<string, unknown> }): DaemonConfig {
  const layers: Layer[] = [readConfigFile(input), envLayer(input.env), { source: 'command-line flags', values: input.flags }];
  let merged: Record<string, unknown> = structuredClone(DAEMON_DEFAULTS);
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer.values)) {
      if (value === undefined) continue;
      const candidate = setPath(structuredClone(merged), key, value);
      const checked = daemonConfigSchema.safeParse(candidate);
      // Everything merged so far was valid, so an issue now is this key's.
      const issue = checked.success ? undefined : checked.error.issues[0];
      if (issue) throw new ConfigError(describeKey(issue), layer.source, describeReason(issue));
      merged = candidate;
    }
  }
  const config = daemonConfigSchema.parse(merged);
  config.dataFile = path.resolve(input.cwd, config.dataFile);
  checkDataDirectory(config.dataFile);
  return config;
}

function readConfigFile(input: { configFile?: string; cwd: string }): Layer {
  const file = path.resolve(input.cwd, input.configFile ?? 'statevisor.config.json');
  if (!existsSync(file)) {
    if (input.configFile) throw new ConfigError('--config', 'command-line flags', `names ${file}, which does not exist`);
    return { source: file, values: {} };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(file, file, `is not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new ConfigError(file, file, 'must hold a JSON object');
  return { source: file, values: flatten(parsed as Record<string, unknown>) };
}

function envLayer(env: NodeJS.ProcessEnv): Layer {
  const values: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw !== undefined && raw !== '') values[key] = parseEnvValue(raw);
  }
  return { source: 'environment variables', values };
}

function parseEnvValue(raw: string): unknown {
  if (/^(true|false|-?\d+(\.\d+)?|\{.*\}|\[.*\])$/s.test(raw.trim())) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

// `api`, `database`, `cluster` and `admission` are the nested objects whose keys layers set one by one; `restart` is taken whole.
const NESTED = new Set(['api', 'database', 'cluster', 'admission']);
function flatten(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (NESTED.has(key) && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) out[`${key}.${k}`] = v;
    } else out[key] = value;
  }
  return out;
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = key.split('.');
  if (rest.length === 0) target[head!] = value;
  else target[head!] = setPath({ ...(target[head!] as Record<string, unknown>) }, rest.join('.'), value);
  return target;
}

function describeKey(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return [...issue.path, issue.keys[0]].join('.');
  return issue.path.join('.') || '(config)';
}

function describeReason(issue: z.core.$ZodIssue): string {
  return issue.code === 'unrecognized_keys' ? 'is not a known key' : issue.message.replace(/^Invalid input: /, 'is invalid: ');
}

function checkDataDirectory(dataFile: string): void {
  const dir = path.dirname(dataFile);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK | constants.R_OK);
  } catch (err) {
    throw new ConfigError('dataFile', dir, `points into a directory that cannot be created or written (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}
