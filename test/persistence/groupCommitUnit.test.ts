/** GroupCommit on its own: batching, and no commit (no file write) when nothing is queued. */
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/persistence/groupCommit.js';

function recorder() {
  const batches: number[][] = [];
  const gc = new GroupCommit<number>({ commit: async (items) => void batches.push([...items]), onFailure: () => {}, toCallerError: (e) => e });
  return { gc, batches };
}

describe('GroupCommit', () => {
  it('commits what was added in one tick as one batch, and nothing when nothing is queued', async () => {
    const { gc, batches } = recorder();
    await Promise.all([gc.add(1), gc.add(2), gc.add(3)]);
    expect(batches).toEqual([[1, 2, 3]]);
    await gc.flush();
    await gc.flush();
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('flush() commits at once what is queued, without waiting for the scheduled tick, and only once', async () => {
    const { gc, batches } = recorder();
    const added = gc.add(7);
    await gc.flush();
    expect(batches).toEqual([[7]]);
    await added;
    await new Promise((r) => setImmediate(r));
    expect(batches).toEqual([[7]]);
  });
});
