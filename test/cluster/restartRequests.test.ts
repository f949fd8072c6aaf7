// Restarts requested through any node: the owner compares counters, so duplicates restart once, stale reads restart nothing, and lost notifications are caught by a full pass.
import { describe, expect, it } from 'vitest';
import { RestartRequests } from '../../src/cluster/restartRequests.js';
import { AccountDisabledError } from '../../src/errors.js';
import type { RestartRequestCount } from '../../src/persistence/index.js';

function world(ids: string[], owned: string[]) {
  const accounts = new Set(ids);
  const counters = new Map<string, RestartRequestCount>();
  const owns = new Set(owned);
  const restarted: string[] = [];
  const skipped: string[] = [];
  const disabled = new Set<string>();
  const requests = new RestartRequests({
    ids: () => accounts,
    requested: (id) => counters.get(id),
    owns: (id) => owns.has(id),
    restart: async (id) => {
      if (disabled.has(id)) throw new AccountDisabledError(id);
      restarted.push(id);
    },
    onSkipped: (id) => skipped.push(id),
  });
  /** The table's counter of `id` (row 1 unless said). */
  const set = (id: string, count: number, row = 1) => counters.set(id, { row, count });
  return { accounts, counters, owns, restarted, skipped, disabled, requests, set };
}

describe('RestartRequests', () => {
  it('counters read before this node ran an account are the baseline: nothing restarts at start', async () => {
    const w = world(['a', 'b'], []);
    w.set('a', 3);
    await w.requests.apply();
    w.owns.add('a');
    await w.requests.apply();
    expect(w.restarted).toEqual([]);
  });

  it('a bump restarts the owned account once, whether heard by notification, by a full pass, or both', async () => {
    const w = world(['a', 'b'], ['a']);
    await w.requests.apply();
    w.set('a', 1);
    await w.requests.apply(['a']);
    await w.requests.apply(['a']);
    await w.requests.apply();
    expect(w.restarted).toEqual(['a']);
    // A lost notification: only the full pass sees the second bump.
    w.set('a', 2);
    await w.requests.apply();
    expect(w.restarted).toEqual(['a', 'a']);
  });

  it('a stale read (a lower count of the same row, or an older row) restarts nothing, and the next bump restarts once', async () => {
    const w = world(['a'], ['a']);
    await w.requests.apply();
    w.set('a', 2);
    await w.requests.apply(['a']);
    w.set('a', 1);
    await w.requests.apply();
    w.set('a', 2);
    await w.requests.apply();
    expect(w.restarted).toEqual(['a']);
    w.set('a', 5, 7);
    await w.requests.apply(['a']);
    w.set('a', 9, 1);
    await w.requests.apply();
    expect(w.restarted).toEqual(['a', 'a']);
    w.set('a', 6, 7);
    await w.requests.apply(['a']);
    expect(w.restarted).toEqual(['a', 'a', 'a']);
  });

  it('an account another node runs is not restarted here; its counter becomes the baseline', async () => {
    const w = world(['a', 'b'], ['a']);
    await w.requests.apply();
    w.set('b', 1);
    await w.requests.apply();
    w.owns.add('b');
    await w.requests.apply();
    expect(w.restarted).toEqual([]);
  });

  it('a request the supervisor refuses (disabled) is reported, not retried', async () => {
    const w = world(['a'], ['a']);
    await w.requests.apply();
    w.disabled.add('a');
    w.set('a', 1);
    await w.requests.apply();
    await w.requests.apply();
    expect(w.skipped).toEqual(['a']);
    expect(w.restarted).toEqual([]);
  });

  it('an account deleted and added again is a new row whose counter starts at 0: its first request restarts it, even with both notifications lost', async () => {
    const w = world(['a'], ['a']);
    await w.requests.apply();
    w.set('a', 5);
    await w.requests.apply();
    expect(w.restarted).toEqual(['a']);
    // Deleted and added again between two full passes: the new row has a higher seq and no request yet.
    w.counters.delete('a');
    await w.requests.apply();
    w.set('a', 1, 2);
    await w.requests.apply();
    expect(w.restarted).toEqual(['a', 'a']);
  });
});
