import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Adapter } from 'lowdb';
import { StoreCorruptError } from '../errors.js';
import type { StoreFile } from './fileSchema.js';
import { lineAndColumn, locateJsonError } from './jsonPosition.js';

/** Mode of the data file, its temp file and backups: owner read/write only. */
export const DATA_FILE_MODE = 0o600;

/**
 * A lowdb adapter whose `write` resolves only once the data is durable: it writes a temp file
 * (`.<name>.tmp`, mode 0600) in the same directory, fsyncs it, renames it over the file and
 * fsyncs the directory. A crash at any instant leaves either the old or the new file, whole.
 *
 * Unlike lowdb's `JSONFile` (steno), nothing is coalesced here: the store batches changes itself
 * (group commit) and calls `write` one at a time. Exactly one writer per file (the store lock).
 *
 * `read` returns the parsed JSON, not yet validated, or `null` when the file does not exist.
 *
 * @example
 * ```ts
 * const db = new Low(durableFileAdapter('/var/lib/statevisor/statevisor.json'), emptyFile);
 * ```
 */
export function durableFileAdapter(file: string): Adapter<StoreFile> {
  return {
    read: async () => (await readJsonFile(file)) as StoreFile | null,
    write: (data) => writeFileDurably(file, `${JSON.stringify(data, null, 2)}\n`),
  };
}

/**
 * Reads and parses a JSON file; `null` if it does not exist.
 * @example
 * ```ts
 * const parsed = await readJsonFile('/data/statevisor.json'); // unknown: validate it
 * ```
 * @throws StoreCorruptError naming the line, column and offset of a syntax error (without quoting the file).
 */
export async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StoreCorruptError(file, `it cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const at = locateJsonError(text) ?? { offset: text.length, ...lineAndColumn(text, text.length), reason: 'is not valid JSON' };
    const empty = text.trim().length === 0 ? ' (the file is empty)' : '';
    throw new StoreCorruptError(file, `it is not valid JSON${empty}: ${at.reason} at line ${at.line}, column ${at.column} (offset ${at.offset})`);
  }
}

/**
 * Writes `text` to `file` (mode 0600) through a fsynced temp file, a rename and a directory fsync.
 * @example
 * ```ts
 * await writeFileDurably('/data/statevisor.json.v1.bak', text); // on disk when this resolves
 * ```
 */
export async function writeFileDurably(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp`);
  // A fresh temp file ('wx' after rm) always gets DATA_FILE_MODE, whatever a leftover one had.
  await rm(tmp, { force: true });
  const handle = await open(tmp, 'wx', DATA_FILE_MODE);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, file);
  await syncDirectory(dir);
}

/**
 * Fsyncs a directory, making the entries created or renamed in it durable.
 * @example
 * ```ts
 * await syncDirectory(path.dirname(file));
 * ```
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (e) {
    // Some platforms (Windows) and file systems cannot fsync a directory; the rename is all there is.
    if (!['EISDIR', 'EPERM', 'EINVAL', 'ENOTSUP'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    await handle.close();
  }
}
