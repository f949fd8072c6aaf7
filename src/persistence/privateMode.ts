import { chmod, stat } from 'node:fs/promises';
import { StorePermissionError } from '../errors.js';
import { DATA_FILE_MODE } from './durableFileAdapter.js';
import type { StoreLogger } from './lowdbOptions.js';
import { withTimeout } from './timeout.js';

/** The mode of the data file's directory: only its owner may list or enter it. */
export const DATA_DIR_MODE = 0o700;

/**
 * Makes an existing data file (0600) and its directory (0700) private at open, logging a warning
 * for each mode it tightened. The daemon creates both private, but a file copied in, restored from
 * a backup or created by hand is often 0644 in a 0755 directory: readable by every local user,
 * credentials included.
 *
 * What is not ours to change is refused or reported instead of changed:
 * - a data file open to others but owned by another user: `StorePermissionError`;
 * - a shared directory (sticky bit, as `/tmp`) or one owned by another user: a warning only,
 *   since tightening it would break other programs; the file itself is still made 0600.
 *
 * @example
 * ```ts
 * await makePrivate('/srv/statevisor/data/statevisor.json', '/srv/statevisor/data', logger, 5_000);
 * ```
 * @param uid Who "we" are; default the process's uid (tests pass another to play a foreign owner).
 * @throws StorePermissionError as above.
 */
export async function makePrivate(file: string, dir: string, logger: StoreLogger, timeoutMs: number, uid: number | undefined = process.getuid?.()): Promise<void> {
  await withTimeout(tightenDirectory(dir, logger, uid), timeoutMs, `checking the mode of ${dir}`);
  await withTimeout(tightenFile(file, logger, uid), timeoutMs, `checking the mode of ${file}`);
}
const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;

async function tightenDirectory(dir: string, logger: StoreLogger, uid: number | undefined): Promise<void> {
  const s = await stat(dir);
  if ((s.mode & 0o077) === 0) return;
  if ((s.mode & 0o1000) !== 0 || (uid !== undefined && s.uid !== uid)) {
    logger.warn({ dir, mode: octal(s.mode) }, `statevisor store: the data file's directory ${dir} is shared with other users (mode ${octal(s.mode)}); keep the data file in a directory of its own (default ./data)`);
    return;
  }
  await chmod(dir, DATA_DIR_MODE);
  logger.warn({ dir, from: octal(s.mode), to: octal(DATA_DIR_MODE) }, `statevisor store: tightened the data directory ${dir} from mode ${octal(s.mode)} to ${octal(DATA_DIR_MODE)}`);
}

async function tightenFile(file: string, logger: StoreLogger, uid: number | undefined): Promise<void> {
  let s;
  try {
    s = await stat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // created 0600 on the first write
    throw e;
  }
  if ((s.mode & 0o077) === 0) return;
  if (uid !== undefined && s.uid !== uid) throw new StorePermissionError(file, `is readable by other users (mode ${octal(s.mode)}) and owned by another user (uid ${s.uid}), so statevisor cannot tighten it`);
  await chmod(file, DATA_FILE_MODE);
  logger.warn({ file, from: octal(s.mode), to: octal(DATA_FILE_MODE) }, `statevisor store: tightened the data file ${file} from mode ${octal(s.mode)} to ${octal(DATA_FILE_MODE)} (it holds credentials)`);
}
