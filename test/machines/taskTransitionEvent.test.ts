/**
 * The flight recorder names each task transition with `taskTransitionEvent()`. Every transition
 * of `accountTaskMachine` must get the name of one of the events that can take it, so a new
 * transition in the machine cannot be recorded as 'unknown'.
 */
import { describe, expect, it } from 'vitest';
import { accountTaskMachine } from '../../src/machines/accountTask.js';
import { taskTransitionEvent } from '../../src/machines/taskTransitionEvent.js';

type State = 'loading' | 'running' | 'cancelling' | 'failed' | 'cleaned';

/** `xstate.after.loadTimeout.accountTask.loading` → `after loadTimeout`. */
function eventName(type: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(type);
  return after ? `after ${after[1]}` : type;
}

describe('taskTransitionEvent', () => {
  const edges: { from: State; to: State; event: string }[] = [];
  for (const [from, node] of Object.entries(accountTaskMachine.root.states)) {
    for (const [type, transitions] of node.transitions) {
      for (const t of transitions) {
        const to = t.target?.[0]?.key as State | undefined;
        if (to && to !== from) edges.push({ from: from as State, to, event: eventName(type) });
      }
    }
  }

  it('covers the machine (sanity: it has its 11 state-changing transitions)', () => {
    expect(edges).toHaveLength(11);
  });

  for (const { from, to, event } of edges) {
    it(`${from} → ${to} on ${event}`, () => {
      const context = {
        error: event === 'after loadTimeout' ? { message: 'x', code: 'LOAD_TIMEOUT' } : event === 'LOAD_FAILED' ? { message: 'x' } : undefined,
        forced: event === 'after cancelTimeout',
      };
      expect(taskTransitionEvent(from, to, context)).toBe(event);
    });
  }
});

describe('taskTransitionEvent on a pair that is no transition of the machine', () => {
  it("names it 'unknown', so the flight recorder shows the gap instead of a wrong event", () => {
    expect(taskTransitionEvent('cleaned', 'loading', { error: undefined, forced: false })).toBe('unknown');
    expect(taskTransitionEvent('cancelling', 'failed', { error: undefined, forced: true })).toBe('unknown');
  });
});
