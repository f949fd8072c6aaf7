import { describe, expect, it } from 'vitest';
import { AccountConfigurationError, InvalidAccountError, type Account } from '../../src/index.js';
import { assertStartableSettings, assertValidSettings, settingsProblem, type SettingsResult, type SettingsSchema } from '../../src/settingsSchema.js';

/*
 * The settings check answers synchronously unless the worker's schema answers with a promise: it
 * runs on every add() and before every start, and a needless await is promises and microtasks per
 * account (src/settingsSchema.ts). These pin both halves: no promise when none is needed, and a
 * promised (or merely thenable) answer still waited for and still refusing.
 */

const account = (settings: Record<string, unknown>): Account => ({ id: 'a', enabled: true, settings });

/** A schema accepting `{ region: 'eu' | 'us' }`, answering now or through `wrap`. */
function regionSchema(wrap: (r: SettingsResult) => SettingsResult | Promise<SettingsResult>): SettingsSchema {
  return {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: (value) => {
        const region = (value as { region?: unknown }).region;
        return wrap(region === 'eu' || region === 'us' ? { value } : { issues: [{ message: 'must be eu or us', path: [{ key: 'region' }] }] });
      },
    },
  };
}

const worker = (schema?: SettingsSchema) => Object.assign(() => Promise.resolve(), schema ? { settingsSchema: schema } : {});

describe('settings check', () => {
  it('answers without a promise for a worker without a schema, and for a synchronous schema', () => {
    expect(settingsProblem(() => worker(), account({ anything: 1 }))).toBeUndefined();
    expect(assertValidSettings(() => worker(), account({}))).toBeUndefined();
    const sync = worker(regionSchema((r) => r));
    expect(assertValidSettings(() => sync, account({ region: 'eu' }))).toBeUndefined();
    expect(assertStartableSettings(() => sync, account({ region: 'us' }))).toBeUndefined();
    expect(settingsProblem(() => sync, account({ region: 'mars' }))).toEqual({ field: 'settings.region', reason: 'must be eu or us' });
  });

  it('throws at once, naming the field, when a synchronous schema refuses', () => {
    const sync = worker(regionSchema((r) => r));
    expect(() => assertValidSettings(() => sync, account({ region: 'mars' }))).toThrow(InvalidAccountError);
    expect(() => assertValidSettings(() => sync, account({ region: 'mars' }))).toThrow(/settings\.region/);
    expect(() => assertStartableSettings(() => sync, account({ region: 'mars' }))).toThrow(AccountConfigurationError);
  });

  it('waits for a schema that answers with a promise', async () => {
    const async = worker(regionSchema((r) => Promise.resolve(r)));
    const ok = assertValidSettings(() => async, account({ region: 'eu' }));
    expect(ok).toBeInstanceOf(Promise);
    await expect(ok).resolves.toBeUndefined();
    await expect(assertValidSettings(() => async, account({ region: 'mars' }))).rejects.toThrow(InvalidAccountError);
    await expect(assertStartableSettings(() => async, account({ region: 'mars' }))).rejects.toThrow(AccountConfigurationError);
  });

  it('waits for a thenable that is not a native promise (another realm or library)', async () => {
    const thenable = (r: SettingsResult) => ({ then: (resolve: (v: SettingsResult) => void) => resolve(r) }) as unknown as Promise<SettingsResult>;
    const w = worker(regionSchema(thenable));
    const answer = settingsProblem(() => w, account({ region: 'mars' }));
    expect(answer).toBeInstanceOf(Promise);
    await expect(answer).resolves.toEqual({ field: 'settings.region', reason: 'must be eu or us' });
    await expect(assertValidSettings(() => w, account({ region: 'mars' }))).rejects.toThrow(InvalidAccountError);
  });

  it('refuses settings beyond the limits before asking the schema, and ignores a worker chooser that throws', () => {
    let asked = 0;
    const counting = worker(regionSchema((r) => (asked++, r)));
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100; i++) deep = deep.n = {} as Record<string, unknown>;
    expect(settingsProblem(() => counting, account(root))).toMatchObject({ field: expect.stringMatching(/^settings/) });
    expect(asked).toBe(0);
    expect(
      settingsProblem(() => {
        throw new Error('no worker for this account');
      }, account({ region: 'mars' })),
    ).toBeUndefined();
  });
});
