/**
 * Compiles `src/` with tsc, as `npm run build` does, into a private directory under
 * `node_modules/.cache/` (so the output resolves the project's dependencies), for the measuring
 * children to import. Measuring `src/` through tsx instead would add a `__name()` call per named
 * closure (esbuild's keepNames), about 2.8 KB of heap and a few µs per account task here; the
 * baselines, whose closures are created once per module, would not pay it.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Compiled {
  /** File URL of the compiled `index.js`. */
  entry: string;
  /** tsc's complaints (it emits anyway); empty when clean. */
  diagnostics: string;
  /** Removes the output. */
  remove(): Promise<void>;
}

export async function compileStatevisor(root: string): Promise<Compiled> {
  const cache = resolve(root, 'node_modules/.cache/statevisor-bench');
  await removeStale(cache);
  const outDir = join(cache, String(process.pid));
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'package.json'), '{ "type": "module", "private": true }\n');
  const tsc = resolve(root, 'node_modules/typescript/bin/tsc');
  const args = [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir, '--declaration', 'false', '--declarationMap', 'false', '--sourceMap', 'false'];
  let diagnostics = '';
  try {
    await run(process.execPath, args, { cwd: root, maxBuffer: 16 * 2 ** 20 });
  } catch (err) {
    // tsc exits non-zero on type errors but still emits; only a missing entry is fatal.
    diagnostics = String((err as { stdout?: string }).stdout ?? err).trim();
  }
  const index = join(outDir, 'index.js');
  if (!existsSync(index)) throw new Error(`compiling src/ produced no index.js:\n${diagnostics}`);
  return { entry: pathToFileURL(index).href, diagnostics, remove: () => rm(outDir, { recursive: true, force: true }) };
}

/** Removes the output of earlier runs that were killed before cleaning up (their process is gone). */
async function removeStale(cache: string): Promise<void> {
  const entries = await readdir(cache).catch(() => [] as string[]);
  for (const name of entries) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    await rm(join(cache, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
