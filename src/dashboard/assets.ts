import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the dashboard, held in memory. */
export interface Asset {
  body: string;
  contentType: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
});

/**
 * The folder the page's files are read from: `public/` next to this module, which is
 * `src/dashboard/public` when the daemon runs from source (tsx) and `dist/dashboard/public` after
 * `npm run build` (which copies it there).
 */
export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

let cache: ReadonlyMap<string, Asset> | undefined;

/**
 * The dashboard's files by name (`index.html`, `app.js`, …), read once on first use. Only these
 * names are ever served: a request path is looked up here, never joined onto a directory, so no
 * path can reach another file.
 *
 * @example
 * ```ts
 * dashboardAssets().get('index.html')?.contentType; // 'text/html; charset=utf-8'
 * ```
 */
export function dashboardAssets(): ReadonlyMap<string, Asset> {
  cache ??= readAssets(PUBLIC_DIR);
  return cache;
}

function readAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const contentType = CONTENT_TYPES[path.extname(name)];
    if (contentType) assets.set(name, { body: readFileSync(path.join(dir, name), 'utf8'), contentType });
  }
  return assets;
}
