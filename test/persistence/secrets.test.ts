import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { StoreSecretError } from '../../src/errors.js';
import { StoreInvalidRecordsError } from '../../src/persistence/index.js';
import { account, useStoreDir } from './helpers.js';

const dir = useStoreDir();
const openStore = dir.openStore;
const closeAll = dir.closeAll;
type StoredFile = { encryption?: { salt: string }; accounts: { id: string; credentials?: string }[] };
async function onDisk(): Promise<StoredFile> {
  return JSON.parse(await readFile(dir.tmp.file, 'utf8')) as StoredFile;
}

describe('secrets at rest', () => {
  it('stores credentials encrypted (no plaintext in the file) and decrypts them in memory', async () => {
    const store = await openStore({ secret: 'correct horse' });
    await store.put(account('a', { credentials: 'super-secret-token-A' }));
    await store.put(account('b', { credentials: 'super-secret-token-B' }));
    await store.put(account('c'));
    const text = await readFile(dir.tmp.file, 'utf8');
    expect(text).not.toContain('super-secret-token');
    const file = await onDisk();
    expect(file.accounts[0]?.credentials).toMatch(/^enc:v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(file.accounts[2]?.credentials).toBeUndefined();
    await closeAll();
    const again = await openStore({ secret: 'correct horse' });
    expect((await again.get('a'))?.credentials).toBe('super-secret-token-A');
    expect((await again.get('b'))?.credentials).toBe('super-secret-token-B');
  });

  it('uses a random IV per value: the same credential twice gives two ciphertexts', async () => {
    const store = await openStore({ secret: 's' });
    await store.put(account('a', { credentials: 'same' }));
    await store.put(account('b', { credentials: 'same' }));
    const [a, b] = (await onDisk()).accounts;
    expect(a?.credentials).not.toBe(b?.credentials);
  });

  it('refuses a wrong secret at open with StoreSecretError, and a missing one too', async () => {
    const store = await openStore({ secret: 'right' });
    await store.put(account('a', { credentials: 'tok' }));
    await closeAll();
    const before = await readFile(dir.tmp.file, 'utf8');
    const wrong = await openStore({ secret: 'wrong' }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(StoreSecretError);
    expect((wrong as StoreSecretError).message).toMatch(/secret does not match/);
    await expect(openStore()).rejects.toThrow(/encrypted and no secret was given/);
    await expect(openStore({ secret: '' })).rejects.toBeInstanceOf(StoreSecretError);
    expect(await readFile(dir.tmp.file, 'utf8')).toBe(before);
  });

  it('opens a plain file with a secret and rewrites it encrypted at once', async () => {
    await writeFile(
      dir.tmp.file,
      JSON.stringify({ version: 2, accounts: [{ id: 'a', enabled: true, credentials: 'plain-token', settings: {} }], supervision: {} }),
    );
    const store = await openStore({ secret: 'now-secret' });
    expect((await store.get('a'))?.credentials).toBe('plain-token');
    const text = await readFile(dir.tmp.file, 'utf8');
    expect(text).not.toContain('plain-token');
    expect((await onDisk()).encryption).toBeDefined();
  });

  it('treats a credential copied onto another account as invalid, not as that account’s secret', async () => {
    const store = await openStore({ secret: 's' });
    await store.put(account('a', { credentials: 'token-of-a' }));
    await store.put(account('b', { credentials: 'token-of-b' }));
    await closeAll();
    const file = await onDisk();
    const [a, b] = file.accounts;
    if (!a || !b) throw new Error('expected two accounts');
    b.credentials = a.credentials;
    await writeFile(dir.tmp.file, JSON.stringify(file));
    const error = (await openStore({ secret: 's' }).catch((e: unknown) => e)) as StoreInvalidRecordsError;
    expect(error).toBeInstanceOf(StoreInvalidRecordsError);
    expect(error.issues).toEqual([expect.objectContaining({ id: 'b', field: 'credentials' })]);
    const skipping = await openStore({ secret: 's', skipInvalid: true });
    expect((await skipping.loadAll()).map((x) => x.id)).toEqual(['a']);
  });
});
