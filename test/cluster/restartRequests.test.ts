// Restarts requested through any node: the owner compares counters, so duplicates restart once and lost notifications are caught by a full pass.
import { describe, expect, it } from 'vitest';
import { RestartRequests } from '../../src/cluster/restartRequests.js';
import { AccountDisabledError } from '../../src/errors.js';

function world(initial: Record<string, number>, owned: string[]) {
  const counters = new Map(Object.entries(initial));
  const owns = new Set(owned);
  const restarted: string[] = [];
  const skipped: string[] = [];
  const disabled = new Set<string>();
  const requests = new RestartRequests({
    ids: () => counters.keys(),
    requested: (id) => counters.get(id) ?? 0,
    owns: (id) => owns.has(id),
    restart: async (id) => {
      if (disabled.has(id)) throw new AccountDisabledError(id);
      restarted.push(id);
    },
    onSkipped: (id) => skipped.push(id),
  });
  return { counters, owns, restarted, skipped, disabled, requests };
}

describe('RestartRequests', () => {
  it('counters read before this node ran an account are the baseline: nothing restarts at start', async () => {
    const w = world({ a: 3, b: 1 }, []);
    await w.requests.apply();
    w.owns.add('a');
    await w.requests.apply();
    expect(w.restarted).toEqual([]);
  });

  it('a bump restarts the owned account once, whether heard by notification, by a full pass, or both', async () => {
    const w = world({ a: 0, b: 0 }, ['a']);
    await w.requests.apply();
    w.counters.set('a', 1);
    await w.requests.apply(['a']);
    await w.requests.apply(['a']);
    await w.requests.apply();
    expect(w.restarted).toEqual(['a']);
    // A lost notification: only the full pass sees the second bump.
    w.counters.set('a', 2);
    await w.requests.apply();
    expect(w.restarted).toEqual(['a', 'a']);
  });

  it('an account another node runs is not restarted here; its counter becomes the baseline', async () => {
    const w = world({ a: 0, b: 0 }, ['a']);
    await w.requests.apply();
    w.counters.set('b', 1);
    await w.requests.apply();
    w.owns.add('b');
    await w.requests.apply();
    expect(w.restarted).toEqual([]);
  });

  it('a request the supervisor refuses (disabled) is reported, not retried', async () => {
    const w = world({ a: 0 }, ['a']);
    await w.requests.apply();
    w.disabled.add('a');
    w.counters.set('a', 1);
    await w.requests.apply();
    await w.requests.apply();
    expect(w.skipped).toEqual(['a']);
    expect(w.restarted).toEqual([]);
  });

  it('an account deleted and added again starts its counter from 0: its next request still restarts it', async () => {
    const w = world({ a: 0 }, ['a']);
    w.counters.set('a', 5);
    await w.requests.apply();
    expect(w.restarted).toEqual(['a']);
    w.counters.delete('a');
    await w.requests.apply();
    w.counters.set('a', 0);
    await w.requests.apply();
    w.counters.set('a', 1);
    await w.requests.apply(['a']);
    expect(w.restarted).toEqual(['a', 'a']);
  });
});
