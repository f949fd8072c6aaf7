import path from 'node:path';
import { readTokenFile, TOKEN_FILE_NAME } from '../api/token.js';
import { ApiTokenError } from '../api/errors.js';
import { CliError, OPERATOR_EXIT } from './errors.js';

/** Where the daemon is by default: the control API's default address. */
export const DEFAULT_API_URL = 'http://127.0.0.1:7070';
/** The daemon's default data directory (where `api-token` is written). */
export const DEFAULT_DATA_DIR = './data';
/** Default deadline of one API request. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The connection flags every operator command takes. */
export interface ConnectionFlags {
  url?: string;
  token?: string;
  dataDir?: string;
  timeout?: number;
}

/** Where to reach the daemon and with which token. */
export interface Connection {
  url: string;
  token: string;
  timeoutMs: number;
}

/**
 * Finds the daemon and its token. URL: `--url`, else `STATEVISOR_API_URL`, else
 * `http://127.0.0.1:7070`. Token: `--token`, else `STATEVISOR_API_TOKEN`, else the `api-token`
 * file in the data directory: `--data-dir`, else `STATEVISOR_DATA_DIR`, else the directory of
 * `STATEVISOR_DATA_FILE`, else `./data` (relative to `cwd`).
 *
 * @throws CliError `usage` for a URL that is not http(s), `auth` when no token can be found.
 *
 * @example
 * ```ts
 * const { url, token } = await resolveConnection({}, process.env, process.cwd());
 * ```
 */
export async function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv, cwd: string): Promise<Connection> {
  const url = checkUrl(flags.url ?? nonEmpty(env.STATEVISOR_API_URL) ?? DEFAULT_API_URL);
  const timeoutMs = flags.timeout ?? DEFAULT_TIMEOUT_MS;
  const token = flags.token ?? nonEmpty(env.STATEVISOR_API_TOKEN);
  if (token !== undefined) return { url, token, timeoutMs };
  const file = path.resolve(cwd, dataDirOf(flags, env), TOKEN_FILE_NAME);
  try {
    return { url, token: await readTokenFile(file), timeoutMs };
  } catch (err) {
    const detail = err instanceof ApiTokenError && err.message.includes('ENOENT') ? `${file} does not exist` : (err as Error).message;
    throw new CliError(
      'CLI_NO_TOKEN',
      `No API token: ${detail}. Run from the daemon's directory, or pass --data-dir, --token, or STATEVISOR_API_TOKEN.`,
      OPERATOR_EXIT.auth,
    );
  }
}

/**
 * The daemon's data directory as the operator commands find it: `--data-dir`, else
 * `STATEVISOR_DATA_DIR`, else the directory of `STATEVISOR_DATA_FILE`, else `./data`.
 *
 * @example
 * ```ts
 * dataDirOf({}, {}); // "./data"
 * ```
 */
export function dataDirOf(flags: Pick<ConnectionFlags, 'dataDir'>, env: NodeJS.ProcessEnv): string {
  if (flags.dataDir) return flags.dataDir;
  const fromEnv = nonEmpty(env.STATEVISOR_DATA_DIR);
  if (fromEnv) return fromEnv;
  const dataFile = nonEmpty(env.STATEVISOR_DATA_FILE);
  return dataFile ? path.dirname(dataFile) : DEFAULT_DATA_DIR;
}

function checkUrl(raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new CliError('CLI_USAGE', `The API URL "${raw}" is not a URL (expected like ${DEFAULT_API_URL}).`, OPERATOR_EXIT.usage);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError('CLI_USAGE', `The API URL "${raw}" must start with http:// or https://.`, OPERATOR_EXIT.usage);
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
