import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

const run = promisify(execFile);
const TSX = createRequire(import.meta.url).resolve('tsx');
const APP = new URL('../fixtures/persistence/defaultStoreApp.ts', import.meta.url).pathname;

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => (tmp = await tempDir()));
afterEach(() => tmp.cleanup());

describe('the library default store', () => {
  it('is the lowdb file ./data/statevisor.json, opened by start(), so accounts survive the process', async () => {
    const first = await run(process.execPath, ['--import', TSX, APP, 'add'], { cwd: tmp.dir, timeout: 20_000 });
    expect(JSON.parse(first.stdout)).toEqual(['kept']);
    const file = path.join(tmp.dir, 'data', 'statevisor.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toContain('"kept"');
    const second = await run(process.execPath, ['--import', TSX, APP], { cwd: tmp.dir, timeout: 20_000 });
    expect(JSON.parse(second.stdout)).toEqual(['kept']);
  });
});
