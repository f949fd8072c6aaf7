import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { StoreLogger } from './lowdbOptions.js';

/** What identifies one version of a file: inode, size and modification time (ns). */
export interface FileStamp {
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
}

/**
 * The stamp of `file` now, or `undefined` if it does not exist.
 * @example
 * ```ts
 * const lastOwnWrite = await stampOf(file); // right after writing it
 * ```
 */
export async function stampOf(file: string): Promise<FileStamp | undefined> {
  try {
    const s = await stat(file, { bigint: true });
    return { ino: s.ino, size: s.size, mtimeNs: s.mtimeNs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Whether two stamps name the same version of a file (`false` if either is missing).
 * @example
 * ```ts
 * if (sameStamp(await stampOf(file), lastOwnWrite)) return; // our own write: not an external change
 * ```
 */
export function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  return a !== undefined && b !== undefined && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;
}

/** A running watch; `close()` stops the watcher and the pending debounce timer. */
export interface DebouncedWatch {
  close(): void;
}

/**
 * Calls `onQuiet` once `debounceMs` have passed without an event on `file`. Watches the directory,
 * not the file: the store replaces the file by rename, which would end a watch on the file itself.
 * `onQuiet` decides whether anything really changed (the store compares {@link FileStamp}s).
 *
 * @example
 * ```ts
 * const w = watchFileDebounced(file, 100, () => void checkForExternalChange(), logger);
 * w.close();
 * ```
 */
export function watchFileDebounced(file: string, debounceMs: number, onQuiet: () => void, logger: StoreLogger): DebouncedWatch {
  const name = path.basename(file);
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(path.dirname(file), { persistent: true }, (_event, filename) => {
    if (filename !== null && filename !== name) return;
    clearTimeout(timer);
    timer = setTimeout(onQuiet, debounceMs);
  });
  watcher.on('error', (error) => {
    logger.error({ file, err: error }, 'statevisor store: watching the data file failed; external changes are no longer seen');
    clearTimeout(timer);
    watcher.close();
  });
  return {
    close: () => {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
