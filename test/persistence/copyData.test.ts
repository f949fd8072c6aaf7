import { describe, expect, it } from 'vitest';
import { copyData } from '../../src/persistence/copyData.js';

describe('copyData', () => {
  it('copies JSON-like data exactly as structuredClone does, sharing nothing', () => {
    const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    const value = {
      id: 'a',
      n: -0,
      nan: Number.NaN,
      missing: undefined,
      nested: { list: [1, 'two', null, { deep: [true, false] }], empty: {} },
      nullProto,
      ...(JSON.parse('{"__proto__": {"polluted": true}}') as object),
    };
    const copy = copyData(value);
    expect(copy).toStrictEqual(structuredClone(value));
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(copy.nullProto)).toBe(Object.prototype);
    expect(Object.is(copy.n, -0)).toBe(true);
    expect('missing' in copy).toBe(true);
    copy.nested.list.push(4);
    (copy.nested.list[3] as { deep: boolean[] }).deep[0] = false;
    expect(value.nested.list).toHaveLength(4);
    expect((value.nested.list[3] as { deep: boolean[] }).deep[0]).toBe(true);
  });

  it('hands what is not plain data to structuredClone (a Date stays a Date, a Map a Map)', () => {
    const at = new Date(1_733_130_000_000);
    const copy = copyData({ at, tags: new Map([['k', 1]]) });
    expect(copy.at).toBeInstanceOf(Date);
    expect(copy.at).not.toBe(at);
    expect(copy.at.getTime()).toBe(at.getTime());
    expect(copy.tags.get('k')).toBe(1);
  });

  it('shares data that is frozen all the way down, and copies anything that could still change', () => {
    const entry = Object.freeze({ kind: 'transition', at: 5, incarnation: 2, from: 'running', to: 'failed', event: 'WORKER_FAILED' });
    const record = { restarts: 1, history: [entry] };
    const copy = copyData(record);
    expect(copy).not.toBe(record);
    expect(copy.history).not.toBe(record.history);
    expect(copy.history[0]).toBe(entry);
    // Frozen on the outside only: its error object could change, so it is copied.
    const shallow = Object.freeze({ kind: 'error', error: { message: 'm' } });
    expect(copyData(shallow)).not.toBe(shallow);
    expect(copyData(shallow)).toStrictEqual({ kind: 'error', error: { message: 'm' } });
    // A frozen Date still changes through setTime: never shared.
    const at = Object.freeze(new Date(0));
    const dated = copyData(Object.freeze({ at }));
    expect(dated.at).not.toBe(at);
  });
});

