import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidJobOptionsError } from '../jobs/errors.js';

/**
 * The `file:` URL of an offloaded function's module: an absolute path or a `file:` URL (and, where
 * `allowData`, a `data:` URL). Throws `InvalidJobOptionsError` otherwise. @internal
 *
 * @example
 * ```ts
 * moduleUrl('/srv/app/hash.js', false); // 'file:///srv/app/hash.js'
 * ```
 */
export function moduleUrl(modulePath: string | URL, allowData: boolean): string {
  const href = modulePath instanceof URL ? modulePath.href : modulePath;
  if (typeof href === 'string' && href.startsWith('file:')) return href;
  if (allowData && typeof href === 'string' && href.startsWith('data:')) return href;
  if (typeof href === 'string' && isAbsolute(href)) return pathToFileURL(href).href;
  throw new InvalidJobOptionsError(
    'modulePath',
    `must be an absolute path or a file: URL${allowData ? ' (or a data: URL)' : ''} (got ${String(href)})`,
  );
}
