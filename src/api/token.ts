import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ApiTokenError } from './errors.js';

/** Name of the token file inside the data directory. */
export const TOKEN_FILE_NAME = 'api-token';

/** Shortest token accepted from the file (the daemon's `api.token` has the same minimum). */
export const MIN_TOKEN_LENGTH = 16;

/** What {@link loadOrCreateToken} found or made. */
export interface LoadedToken {
  token: string;
  /** True when this call generated the token: print it once, it is not shown again. */
  created: boolean;
  /** Absolute path of the token file. */
  file: string;
}

/**
 * Reads the control API's token from `<dataDir>/api-token`, or, on first start, generates one
 * (32 random bytes, base64url: 43 characters) and writes it there with mode 0600, creating the
 * directory (mode 0700) if needed. A token file readable by group or others is tightened to 0600.
 * Creation uses `O_EXCL`: an existing file is never overwritten.
 *
 * @throws ApiTokenError when the file exists but is unreadable or holds fewer than 16 characters.
 *
 * @example
 * ```ts
 * const { token, created, file } = await loadOrCreateToken('./data');
 * if (created) console.log(`API token (stored in ${file}): ${token}`);
 * ```
 */
export async function loadOrCreateToken(dataDir: string): Promise<LoadedToken> {
  const file = path.resolve(dataDir, TOKEN_FILE_NAME);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  try {
    const handle = await open(file, 'wx', 0o600);
    try {
      await handle.writeFile(`${token}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { token, created: true, file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new ApiTokenError(file, describe(err));
  }
  const existing = await readTokenFile(file);
  try {
    if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  } catch (err) {
    throw new ApiTokenError(file, `its mode cannot be set to 0600 (${describe(err)})`);
  }
  return { token: existing, created: false, file };
}

/**
 * Reads an existing token file (the CLI's way to find the daemon's token).
 *
 * @throws ApiTokenError when it is missing, unreadable or too short.
 *
 * @example
 * ```ts
 * const token = await readTokenFile('./data/api-token');
 * ```
 */
export async function readTokenFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ApiTokenError(file, describe(err));
  }
  const token = text.trim();
  if (token.length < MIN_TOKEN_LENGTH) throw new ApiTokenError(file, `it holds ${token.length} characters, fewer than ${MIN_TOKEN_LENGTH}`);
  return token;
}

function describe(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}
