/**
 * A LiveRef keeps a live object (the runtime, a clock with pending timers) in a machine's context
 * without letting it into persisted snapshots or inspection events.
 */
import { describe, expect, it } from 'vitest';
import { createActor, createMachine } from 'xstate';
import { liveRef, LiveRef } from '../../src/machines/liveRef.js';

describe('liveRef', () => {
  const secret = { password: 'hunter2', drain: () => 'drained' };

  it('gives the value back as it was given', () => {
    const ref = liveRef(secret);
    expect(ref).toBeInstanceOf(LiveRef);
    expect(ref.current).toBe(secret);
    expect(ref.current.drain()).toBe('drained');
  });

  it('serialises as "[live]" and has no own enumerable property to copy', () => {
    const ref = liveRef(secret);
    expect(JSON.stringify({ ref })).toBe('{"ref":"[live]"}');
    expect(Object.keys(ref)).toEqual([]);
    expect({ ...ref }).toEqual({});
  });

  it("keeps the value out of a machine's persisted snapshot", () => {
    const machine = createMachine({ context: { ref: liveRef(secret) } });
    const actor = createActor(machine).start();
    const persisted = JSON.stringify(actor.getPersistedSnapshot());
    actor.stop();
    expect(persisted).toContain('"ref":"[live]"');
    expect(persisted).not.toContain('hunter2');
  });
});
