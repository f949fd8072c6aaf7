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
});
