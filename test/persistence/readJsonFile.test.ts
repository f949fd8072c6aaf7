/** Reading the data file: what each kind of unreadable file is reported as. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonFile } from '../../src/persistence/durableFileAdapter.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'statevisor-read-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readJsonFile', () => {
  it('returns null for a missing file and the parsed value for a good one, with or without a byte-order mark', async () => {
    const file = path.join(dir, 'a.json');
    expect(await readJsonFile(file)).toBeNull();
    await writeFile(file, '\ufeff{"x":1}');
    expect(await readJsonFile(file)).toEqual({ x: 1 });
  });

  it('names the error code of a file that exists but cannot be read', async () => {
    const file = path.join(dir, 'is-a-directory.json');
    await mkdir(file);
    await expect(readJsonFile(file)).rejects.toMatchObject({ code: 'STORE_CORRUPT', message: expect.stringContaining('cannot be read (EISDIR)') });
  });

  it('says "the file is empty" for a blank file only', async () => {
    const blank = path.join(dir, 'blank.json');
    await writeFile(blank, '  \n');
    await expect(readJsonFile(blank)).rejects.toThrow('(the file is empty)');
    const broken = path.join(dir, 'broken.json');
    await writeFile(broken, '{"x":');
    const error = await readJsonFile(broken).then(() => undefined, (e: Error) => e);
    expect(error?.message).toMatch(/it is not valid JSON: .* at line 1, column \d+ \(offset \d+\)\. The file was not modified\.$/);
    expect(error?.message).not.toContain('empty');
  });
});
