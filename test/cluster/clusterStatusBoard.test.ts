// The whole cluster as one status model: owned accounts live from the local supervisor, the others as their owners published them.
import { describe, expect, it } from 'vitest';
import type { AccountStatus } from '../../src/account.js';
import { ClusterStatusBoard, type ClusterStatus, type PublishedStatus } from '../../src/cluster/clusterStatusBoard.js';
import { createStatusModel } from '../../src/status/statusBoard.js';

const status = (id: string, incarnation: number, state: AccountStatus['state'] = 'running'): AccountStatus => ({ id, incarnation, state, enabled: true, restarts: 0, since: 1_000 + incarnation });
const published = (s: AccountStatus, node: string, stamp: string): PublishedStatus => ({ status: { ...s, node }, stamp: `${node}@${stamp}` });

function setup(owned: string[]) {
  const local = createStatusModel();
  const owns = new Set(owned);
  const supervisor = {
    statusModel: local,
    status: (id: string) => local.getSnapshot().context.statuses.get(id),
    list: () => [...local.getSnapshot().context.statuses.values()],
  };
  const board = new ClusterStatusBoard(supervisor, 'a', (id) => owns.has(id));
  const changes: { id: string; status: ClusterStatus | undefined }[] = [];
  board.model.on('changed', ({ id, status: s }) => changes.push({ id, status: s as ClusterStatus | undefined }));
  return { local, owns, board, changes };
}

describe('ClusterStatusBoard', () => {
  it('shows owned accounts live with this node, the others as published, each change once', () => {
    const { local, board, changes } = setup(['x']);
    local.trigger.upsert({ status: status('x', 1) });
    board.setPublished(new Map([['y', published(status('y', 4), 'b', 't1')], ['x', published(status('x', 0, 'loading'), 'a', 't0')]]));
    expect(board.status('x')).toMatchObject({ incarnation: 1, node: 'a' });
    expect(board.status('y')).toMatchObject({ incarnation: 4, node: 'b' });
    expect(changes.map((c) => `${c.id}:${c.status?.node}:${c.status?.incarnation}`)).toEqual(['x:a:1', 'y:b:4']);
    // The same rows read again change nothing; a new publication of y is one change.
    board.setPublished(new Map([['y', published(status('y', 4), 'b', 't1')], ['x', published(status('x', 0, 'loading'), 'a', 't0')]]));
    expect(changes).toHaveLength(2);
    board.setPublished(new Map([['y', published(status('y', 5), 'b', 't2')]]));
    expect(changes.map((c) => `${c.id}:${c.status?.incarnation}`)).toEqual(['x:1', 'y:4', 'y:5']);
  });

  it('an account whose owner stopped publishing it (removed) disappears; one that moves here shows live', () => {
    const { local, owns, board, changes } = setup([]);
    board.setPublished(new Map([['y', published(status('y', 4), 'b', 't1')]]));
    board.setPublished(new Map());
    expect(board.status('y')).toBeUndefined();
    expect(changes.map((c) => `${c.id}:${c.status ? 'status' : 'removed'}`)).toEqual(['y:status', 'y:removed']);
    board.setPublished(new Map([['y', published(status('y', 4), 'b', 't1')]]));
    owns.add('y');
    local.trigger.upsert({ status: status('y', 1) });
    expect(board.status('y')).toMatchObject({ incarnation: 1, node: 'a' });
  });
});
