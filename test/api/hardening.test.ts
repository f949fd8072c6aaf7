import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createControlApi, type ControlApi } from '../../src/api/index.js';
import { createSupervisor, keywordSettingsSchema, lowdbStore, memoryStore, SETTINGS_LIMITS, withSettingsSchema, type AccountStatus, type AccountStore, type Supervisor } from '../../src/index.js';
import { accountOf, call, cooperativeWorker, errorOf, send, silent, type Response } from './helpers.js';

/*
 * Issue 12 (hardening), items 1, 3, 4, 5 and 13, against a real API server over a real lowdb file:
 * prototype-named ids, settings checked against the worker's schema and the size limits, the
 * stored configuration read back, merge-patch updates with ETag / If-Match, and identifiers.
 */

const PROTOTYPE_IDS = ['toString', 'valueOf', 'hasOwnProperty', 'constructor', '__proto__', 'isPrototypeOf', '__defineGetter__'];

interface Rig {
  supervisor: Supervisor;
  store: AccountStore;
  api: ControlApi;
  file: string;
  stop(): Promise<void>;
}

let dir: string;
let rig: Rig | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'statevisor-hardening-'));
});
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** A supervisor over a lowdb file in `dir` whose worker declares the keyword settings schema, and its API. */
async function startRig(): Promise<Rig> {
  const file = path.join(dir, 'statevisor.json');
  const store = await lowdbStore({ file, logger: silent });
  const { worker } = cooperativeWorker();
  const supervisor = createSupervisor({
    worker: withSettingsSchema(worker, keywordSettingsSchema),
    store,
    logger: silent,
    cancelTimeoutMs: 500,
    restart: { backoff: { minMs: 5, maxMs: 20, jitter: 'none' } },
  });
  await supervisor.start();
  const api = await createControlApi({ supervisor, port: 0, token: 'test-token-0123456789abcdef', logger: silent });
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await supervisor.shutdown({ timeoutMs: 3_000 });
      await api.close({ timeoutMs: 2_000 });
    })());
  return { supervisor, store, api, file, stop };
}

const at = (id: string, action = '') => `/v1/accounts/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;
const fileText = async () => readFile(path.join(dir, 'statevisor.json'), 'utf8');
const configurationOf = (res: Response) => (res.json as { configuration: Record<string, unknown> }).configuration;

/** `{"a":{"a":…1…}}`, `levels` objects deep. */
function nested(levels: number): Record<string, unknown> {
  let value: unknown = 1;
  for (let i = 0; i < levels; i += 1) value = { a: value };
  return value as Record<string, unknown>;
}

describe('item 1: ids named like Object.prototype members', () => {
  it('work through every endpoint, and survive a restart with their supervision records', async () => {
    rig = await startRig();
    const { api, supervisor } = rig;
    for (const id of PROTOTYPE_IDS) {
      const added = await send(api.url, 'POST', '/v1/accounts', { id, credentials: 't', settings: { keywords: [{ match: 'price', reply: 'p' }] } });
      expect(added.status, `${id}: ${added.text}`).toBe(201);
      await supervisor.waitFor(id, 'running');
    }
    for (const id of PROTOTYPE_IDS) {
      const got = await call(api.url, at(id));
      expect(got.status, id).toBe(200);
      expect(accountOf(got)).toMatchObject({ id, state: 'running', incarnation: 1 });
      expect(configurationOf(got)).toMatchObject({ id, credentialsSet: true });
    }
    // Give two of them supervision records: one restart each, and a disable.
    expect(accountOf(await call(api.url, at('toString', 'restart'), { method: 'POST' }))).toMatchObject({ incarnation: 2 });
    expect(accountOf(await call(api.url, at('__proto__', 'disable'), { method: 'POST' }))).toMatchObject({ state: 'disabled' });
    expect((await send(api.url, 'PATCH', at('constructor'), { settings: { defaultReply: 'hi' } })).status).toBe(200);
    expect((await call(api.url, '/metrics')).text).toMatch(/statevisor_accounts\{state="running"\} 6/);
    const listed = ((await call(api.url, '/v1/accounts')).json as { accounts: AccountStatus[] }).accounts.map((a) => a.id);
    expect(listed.sort()).toEqual([...PROTOTYPE_IDS].sort());

    const file = JSON.parse(await fileText()) as { accounts: { id: string }[] };
    expect(file.accounts.map((a) => a.id).sort()).toEqual([...PROTOTYPE_IDS].sort());
    await rig.stop();

    // Restart on the same file: before the fix this start failed with "record.restartHistory is not iterable".
    rig = await startRig();
    const again = rig.supervisor;
    for (const id of PROTOTYPE_IDS.filter((i) => i !== '__proto__')) await again.waitFor(id, 'running');
    expect(again.status('__proto__')).toMatchObject({ state: 'disabled', enabled: false });
    expect(again.configuration('constructor')?.settings).toEqual({ keywords: [{ match: 'price', reply: 'p' }], defaultReply: 'hi' });
    // Every account now has a record (the flight recorder saves commands with it); what matters
    // is that the records are own keys of a prototype-free object, one per stored account.
    const records = await rig.store.loadSupervision();
    expect(Object.getPrototypeOf(records)).toBeNull();
    for (const key of Object.keys(records)) expect(PROTOTYPE_IDS, key).toContain(key);
    for (const id of PROTOTYPE_IDS) expect((await call(rig.api.url, at(id), { method: 'DELETE' })).status, id).toBe(200);
    expect(await rig.store.loadAll()).toEqual([]);
  });

  it('keeps a settings key named __proto__ as data, through add, merge patch and the file', async () => {
    rig = await startRig();
    const body = '{"id":"p","settings":{"__proto__":{"polluted":true},"constructor":{"prototype":1}}}';
    expect((await call(rig.api.url, '/v1/accounts', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body })).status).toBe(201);
    const patched = await call(rig.api.url, at('p'), { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: '{"settings":{"__proto__":{"more":1}}}' });
    expect(patched.status).toBe(200);
    const stored = (await rig.store.get('p'))!.settings;
    expect(Object.hasOwn(stored, '__proto__')).toBe(true);
    expect(JSON.stringify(stored)).toBe('{"__proto__":{"polluted":true,"more":1},"constructor":{"prototype":1}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await fileText()).toContain('"__proto__"');
  });
});

describe('item 3: settings checked against the worker’s schema', () => {
  it('add and update refuse invalid keyword settings with 400 INVALID_ACCOUNT naming the field; nothing changes', async () => {
    rig = await startRig();
    const { api } = rig;
    const cases: [unknown, string][] = [
      [{ keywords: 'price' }, 'settings.keywords'],
      [{ keywords: [{ match: '/(/', reply: 'x' }] }, 'settings.keywords.0.match'],
      [{ keywords: [{ match: 'ok', reply: 'x' }, { match: '/(a)\\1/', reply: 'backreference' }] }, 'settings.keywords.1.match'],
      [{ keywords: [{ match: '', reply: 'x' }] }, 'settings.keywords.0.match'],
      [{ keywords: [{ match: 'x' }] }, 'settings.keywords.0.reply'],
      [{ defaultReply: 3 }, 'settings.defaultReply'],
    ];
    for (const [settings, field] of cases) {
      const res = await send(api.url, 'POST', '/v1/accounts', { id: 'k', settings });
      expect(res.status, JSON.stringify(settings)).toBe(400);
      expect(errorOf(res)).toMatchObject({ code: 'INVALID_ACCOUNT', field });
    }
    expect(await rig.store.loadAll()).toEqual([]);
    expect((await send(api.url, 'POST', '/v1/accounts', { id: 'k', settings: { keywords: [{ match: 'price', reply: 'p' }], other: 'kept' } })).status).toBe(201);
    await rig.supervisor.waitFor('k', 'running');
    for (const [settings, field] of cases) {
      const res = await send(api.url, 'PATCH', at('k'), { settings });
      expect(res.status, JSON.stringify(settings)).toBe(400);
      expect(errorOf(res).field).toBe(field);
    }
    expect(rig.supervisor.status('k')).toMatchObject({ state: 'running', incarnation: 1 });
    expect((await rig.store.get('k'))?.settings).toEqual({ keywords: [{ match: 'price', reply: 'p' }], other: 'kept' });
  });
});

describe('item 3: any Standard Schema, as the library sees it', () => {
  it('an async hand-written schema: add refuses, a stored invalid account is suspended with INVALID_CONFIGURATION, update fixes it', async () => {
    // The smallest Standard Schema: `region` must be "eu" or "us". Validates asynchronously.
    const regionSchema = {
      '~standard': {
        version: 1 as const,
        vendor: 'test',
        validate: async (value: unknown) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          const region = (value as { region?: unknown }).region;
          return region === 'eu' || region === 'us' ? { value } : { issues: [{ message: 'must be "eu" or "us"', path: [{ key: 'region' }] }] };
        },
      },
    };
    const { worker } = cooperativeWorker();
    const store = memoryStore([{ id: 'stored-bad', enabled: true, settings: { region: 'mars' } }]);
    const supervisor = createSupervisor({ worker: withSettingsSchema(worker, regionSchema), store, logger: silent, cancelTimeoutMs: 500 });
    await supervisor.start();
    try {
      const suspended = await supervisor.waitFor('stored-bad', 'suspended', { timeoutMs: 5_000 });
      expect(suspended).toMatchObject({ suspendedBecause: 'nonRetryable', lastError: { code: 'INVALID_CONFIGURATION' } });
      expect(suspended.lastError?.message).toContain('field "settings.region" must be "eu" or "us"');
      await expect(supervisor.add({ id: 'new', settings: { region: 'moon' } })).rejects.toMatchObject({ code: 'INVALID_ACCOUNT', field: 'settings.region' });
      expect(await store.get('new')).toBeUndefined();
      await supervisor.add({ id: 'new', settings: { region: 'eu' } });
      expect((await supervisor.update('stored-bad', { settings: { region: 'us' } })).incarnation).toBe(2);
      await supervisor.waitFor('stored-bad', 'running', { timeoutMs: 5_000 });
    } finally {
      await supervisor.shutdown({ timeoutMs: 3_000 });
    }
  });
});

describe('item 4: bounded settings', () => {
  it(`refuses settings deeper than ${SETTINGS_LIMITS.maxDepth} levels or larger than ${SETTINGS_LIMITS.maxBytes} bytes with 400; the limits themselves pass`, async () => {
    rig = await startRig();
    const { api } = rig;
    const deep = await send(api.url, 'POST', '/v1/accounts', { id: 'deep', settings: nested(3_000) });
    expect(deep.status).toBe(400);
    expect(errorOf(deep).code).toBe('INVALID_ACCOUNT');
    expect(errorOf(deep).field).toBe(`settings${'.a'.repeat(SETTINGS_LIMITS.maxDepth)}`);
    expect(errorOf(deep).message).toContain(`at most ${SETTINGS_LIMITS.maxDepth} levels`);
    expect((await send(api.url, 'POST', '/v1/accounts', { id: 'deep', settings: nested(SETTINGS_LIMITS.maxDepth + 1) })).status).toBe(400);
    expect((await send(api.url, 'POST', '/v1/accounts', { id: 'deep', settings: nested(SETTINGS_LIMITS.maxDepth - 1) })).status).toBe(201);

    const big = await send(api.url, 'POST', '/v1/accounts', { id: 'big', settings: { pad: 'x'.repeat(SETTINGS_LIMITS.maxBytes) } });
    expect(big.status).toBe(400);
    expect(errorOf(big)).toMatchObject({ code: 'INVALID_ACCOUNT', field: 'settings' });
    const exactly = { pad: 'x'.repeat(SETTINGS_LIMITS.maxBytes - '{"pad":""}'.length) };
    expect(Buffer.byteLength(JSON.stringify(exactly))).toBe(SETTINGS_LIMITS.maxBytes);
    expect((await send(api.url, 'POST', '/v1/accounts', { id: 'big', settings: exactly })).status).toBe(201);
    // A merge patch that would push the result over the limit is refused too.
    const grow = await send(api.url, 'PATCH', at('big'), { settings: { more: 'y' } });
    expect(grow.status).toBe(400);
    expect(errorOf(grow).field).toBe('settings');
    const deeper = await send(api.url, 'PATCH', at('deep'), { settings: { b: nested(SETTINGS_LIMITS.maxDepth) } });
    expect(deeper.status).toBe(400);
    expect((await rig.store.get('big'))?.settings).toEqual(exactly);
    expect(Buffer.byteLength(await fileText())).toBeLessThan(3 * SETTINGS_LIMITS.maxBytes);
  });
});

describe('item 5: configuration read back, merge patch, ETag / If-Match', () => {
  it('GET returns the stored configuration with an ETag and never the credentials', async () => {
    rig = await startRig();
    const { api } = rig;
    const restart = { type: 'transient', backoff: { minMs: 10 } };
    await send(api.url, 'POST', '/v1/accounts', { id: 'c', credentials: 'super-secret-credential', settings: { region: 'eu', tier: 2 }, restart });
    const got = await call(api.url, at('c'));
    expect(got.status).toBe(200);
    expect(configurationOf(got)).toEqual({ id: 'c', enabled: true, credentialsSet: true, settings: { region: 'eu', tier: 2 }, restart, revision: expect.any(String) });
    expect(got.headers.etag).toBe(`"${configurationOf(got).revision as string}"`);
    expect(got.text).not.toContain('super-secret-credential');
    await send(api.url, 'POST', '/v1/accounts', { id: 'n' });
    expect(configurationOf(await call(api.url, at('n')))).toMatchObject({ credentialsSet: false, settings: {} });
  });

  it('PATCH merges settings (RFC 7396), a PATCH that changes nothing does not restart, If-Match guards against lost updates', async () => {
    rig = await startRig();
    const { api, supervisor, store } = rig;
    await send(api.url, 'POST', '/v1/accounts', { id: 'm', credentials: 'tok-1', settings: { region: 'eu', tier: 2, nested: { a: 1, b: 2 } } });
    await supervisor.waitFor('m', 'running');

    const merged = await send(api.url, 'PATCH', at('m'), { settings: { tier: null, nested: { b: 3 }, added: [1, 2] } });
    expect(merged.status).toBe(200);
    expect(accountOf(merged).incarnation).toBe(2);
    expect((await store.get('m'))).toEqual({ id: 'm', enabled: true, credentials: 'tok-1', settings: { region: 'eu', nested: { a: 1, b: 3 }, added: [1, 2] } });

    // No change: {} and the values already there answer 200 with the same incarnation and ETag.
    const etag = (await call(api.url, at('m'))).headers.etag!;
    for (const patch of [{}, { settings: {} }, { settings: { region: 'eu' } }, { enabled: true }, { credentials: 'tok-1' }]) {
      const same = await send(api.url, 'PATCH', at('m'), patch);
      expect(same.status, JSON.stringify(patch)).toBe(200);
      expect(accountOf(same).incarnation, JSON.stringify(patch)).toBe(2);
      expect(same.headers.etag).toBe(etag);
    }
    expect(supervisor.status('m')).toMatchObject({ state: 'running', incarnation: 2 });

    // Two operators read the same revision; the second write is refused with 412 and changes nothing.
    const first = await send(api.url, 'PATCH', at('m'), { settings: { region: 'us' } }, { headers: { 'If-Match': etag } });
    expect(first.status).toBe(200);
    expect(first.headers.etag).not.toBe(etag);
    const second = await send(api.url, 'PATCH', at('m'), { settings: { region: 'ap' } }, { headers: { 'If-Match': etag } });
    expect(second.status).toBe(412);
    expect(errorOf(second)).toMatchObject({ code: 'REVISION_MISMATCH' });
    expect(errorOf(second).message).toContain('statevisor accounts get m');
    expect((await store.get('m'))?.settings.region).toBe('us');
    expect(supervisor.status('m')?.incarnation).toBe(3);
    // The current ETag, a list holding it, and * are admitted; a weak tag never is.
    const current = first.headers.etag!;
    expect((await send(api.url, 'PATCH', at('m'), { settings: { n: 1 } }, { headers: { 'If-Match': `"nope", ${current}` } })).status).toBe(200);
    expect((await send(api.url, 'PATCH', at('m'), { settings: { n: 2 } }, { headers: { 'If-Match': '*' } })).status).toBe(200);
    const latest = (await call(api.url, at('m'))).headers.etag!;
    expect((await send(api.url, 'PATCH', at('m'), { settings: { n: 3 } }, { headers: { 'If-Match': `W/${latest}` } })).status).toBe(412);
    // Credentials change the revision too (a rotated token is a change), and can be removed with null.
    const rotated = await send(api.url, 'PATCH', at('m'), { credentials: 'tok-2' });
    expect(rotated.headers.etag).not.toBe(latest);
    expect(configurationOf(await send(api.url, 'PATCH', at('m'), { credentials: null }))).toMatchObject({ credentialsSet: false });
    expect((await store.get('m'))?.credentials).toBeUndefined();
  });
});

describe('item 13: identifiers', () => {
  it('refuses invisible, look-alike and bidirectional ids; normalises to NFC; . and .. are ordinary ids', async () => {
    rig = await startRig();
    const { api } = rig;
    for (const id of ['sm1\u200b', 'sm1\u00a0', '\u202esm1', 'sm\u200d1', 'sm1\ufeff', 'sm\u20601', '\u2066sm1\u2069', 'sm1\u3000', 'sm1 ', ' sm1', 'sm\u00ad1']) {
      const res = await send(api.url, 'POST', '/v1/accounts', { id });
      expect(res.status, JSON.stringify(id)).toBe(400);
      expect(errorOf(res)).toMatchObject({ code: 'INVALID_ACCOUNT', field: 'id' });
    }
    expect(await rig.store.loadAll()).toEqual([]);

    const decomposed = 'cafe\u0301';
    const added = await send(api.url, 'POST', '/v1/accounts', { id: decomposed });
    expect(accountOf(added).id).toBe('caf\u00e9');
    expect(added.headers.location).toBe(at('caf\u00e9'));
    expect((await send(api.url, 'POST', '/v1/accounts', { id: 'caf\u00e9' })).status).toBe(409);
    expect((await call(api.url, at(decomposed))).status).toBe(200);
    expect((await rig.store.loadAll()).map((a) => a.id)).toEqual(['caf\u00e9']);

    for (const id of ['.', '..', '...']) {
      expect((await send(api.url, 'POST', '/v1/accounts', { id })).status, id).toBe(201);
      expect(accountOf(await call(api.url, `/v1/accounts/${id}`)).id).toBe(id);
      expect(accountOf(await call(api.url, `/v1/accounts/${id.replace(/\./g, '%2E')}/restart`, { method: 'POST' })).id).toBe(id);
    }
  });
});
