/**
 * The API masks secret-looking settings as `***`; sending a configuration read back from it must
 * never store that mask in place of the secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNoMaskedSecrets } from '../../src/api/maskedSecrets.js';
import { call, errorOf, send, startHarness, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await h.supervisor.add({ id: 'shop', credentials: 'tok-shop', settings: { region: 'eu', apiKey: 'k-123', nested: { password: 'pw-1' } } });
});
afterAll(async () => {
  await h.stop();
});

describe('a masked secret sent back', () => {
  it('GET shows the mask, and PATCHing that configuration back is refused, naming the field, changing nothing', async () => {
    const got = await call(h.api.url, '/v1/accounts/shop');
    const configuration = (got.json as { configuration: { settings: Record<string, unknown>; revision: number } }).configuration;
    expect(configuration.settings).toMatchObject({ apiKey: '***', nested: { password: '***' } });
    const before = await h.store.get('shop');

    const res = await send(h.api.url, 'PATCH', '/v1/accounts/shop', { settings: { ...configuration.settings, region: 'us' } });
    expect(res.status).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'INVALID_ACCOUNT', field: 'settings.apiKey' });
    expect(errorOf(res).message).toContain('statevisor accounts update');
    expect(await h.store.get('shop')).toEqual(before);

    const deep = await send(h.api.url, 'PATCH', '/v1/accounts/shop', { settings: { nested: { password: '***' } } });
    expect(errorOf(deep)).toMatchObject({ code: 'INVALID_ACCOUNT', field: 'settings.nested.password' });
    expect(await h.store.get('shop')).toEqual(before);
  });

  it('a patch naming only what changes keeps the stored secret', async () => {
    const res = await send(h.api.url, 'PATCH', '/v1/accounts/shop', { settings: { region: 'us' } });
    expect(res.status).toBe(200);
    expect((await h.store.get('shop'))?.settings).toEqual({ region: 'us', apiKey: 'k-123', nested: { password: 'pw-1' } });
  });

  it('POST with masked credentials or a masked secret setting is refused and adds nothing', async () => {
    const creds = await send(h.api.url, 'POST', '/v1/accounts', { id: 'copy', credentials: '***' });
    expect(errorOf(creds)).toMatchObject({ code: 'INVALID_ACCOUNT', field: 'credentials' });
    const setting = await send(h.api.url, 'POST', '/v1/accounts', { id: 'copy', settings: { token: '***' } });
    expect(errorOf(setting)).toMatchObject({ code: 'INVALID_ACCOUNT', field: 'settings.token' });
    expect(await h.store.get('copy')).toBeUndefined();
  });

  it('the mask under a key that is not secret-looking, or in a list, is an ordinary value', () => {
    expect(() => assertNoMaskedSecrets({ settings: { greeting: '***', replies: ['***'] } })).not.toThrow();
    expect(() => assertNoMaskedSecrets({ settings: { list: [{ secret: '***' }] } })).toThrow(/settings\.list\[0\]\.secret/);
  });
});
