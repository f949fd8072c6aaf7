import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import * as testing from '../src/testing/index.js';

describe('public API (src/index.ts)', () => {
  it('exports the documented names', () => {
    for (const name of ['createSupervisor', 'memoryStore', 'lowdbStore', 'websocketSession', 'createJobRunner', 'createSimulator', 'DEFAULT_RESTART_POLICY', 'SUPERVISOR_DEFAULTS', 'accountTaskMachine', 'supervisorMachine']) {
      expect(api, name).toHaveProperty(name);
    }
    expect(testing).toHaveProperty('controllableWorker');
  });

  it('errors carry stable codes', () => {
    expect(new api.AccountExistsError('a').code).toBe('ACCOUNT_EXISTS');
    expect(new api.AccountNotFoundError('a').code).toBe('ACCOUNT_NOT_FOUND');
    expect(new api.ShuttingDownError().code).toBe('SHUTTING_DOWN');
    expect(new api.InvalidAccountError('id', 'must not be empty').code).toBe('INVALID_ACCOUNT');
    expect(new api.StoreWriteError('/f', new Error('x')).code).toBe('STORE_WRITE_FAILED');
    expect(new api.StoreLockedError('/f', 1).code).toBe('STORE_LOCKED');
    for (const E of [api.AccountExistsError, api.ShuttingDownError, api.StoreCorruptError]) expect(E.prototype).toBeInstanceOf(api.StatevisorError);
  });

  it('a supervisor has the documented methods', () => {
    const sup = api.createSupervisor({ worker: async () => {}, store: api.memoryStore() });
    for (const m of ['start', 'add', 'update', 'remove', 'enable', 'disable', 'restart', 'status', 'list', 'subscribe', 'waitFor', 'shutdown', 'reload']) {
      expect(typeof (sup as unknown as Record<string, unknown>)[m], m).toBe('function');
    }
    expect(sup.actor.getSnapshot()).toBeDefined();
  });
});
