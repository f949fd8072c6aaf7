import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyAccountPatch } from '../../src/accountSchema.js';
import { jsonMergePatch } from '../../src/jsonMergePatch.js';
import { checkSettingsLimits, SETTINGS_LIMITS } from '../../src/settingsLimits.js';

/* PATCH semantics (issue 12, item 5): RFC 7396 JSON merge patch, and the limits it is checked against (item 4). */

describe('jsonMergePatch', () => {
  // RFC 7396, Appendix A: every example, target / patch / result.
  const examples: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it('gives the results of RFC 7396 Appendix A', () => {
    for (const [target, patch, result] of examples) expect(jsonMergePatch(target, patch), JSON.stringify([target, patch])).toEqual(result);
  });

  it('never changes its inputs, and applying a patch twice gives the same as once', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4 }), (target, patch) => {
        const before = JSON.stringify([target, patch]);
        const once = jsonMergePatch(target, patch);
        expect(JSON.stringify([target, patch])).toBe(before);
        expect(jsonMergePatch(once, patch)).toEqual(once);
      }),
      { numRuns: 300, seed: 7396 },
    );
  });

  it('treats __proto__ as a key: set, merged and deleted as data, never as the prototype', () => {
    const target = JSON.parse('{"__proto__":{"a":1},"k":1}') as Record<string, unknown>;
    const merged = jsonMergePatch(target, JSON.parse('{"__proto__":{"b":2}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(JSON.stringify(merged)).toBe('{"__proto__":{"a":1,"b":2},"k":1}');
    expect(JSON.stringify(jsonMergePatch(merged, JSON.parse('{"__proto__":null}')))).toBe('{"k":1}');
  });
});

describe('applyAccountPatch (what update() and PATCH apply)', () => {
  const current = { id: 'a', enabled: true, credentials: 'tok', settings: { region: 'eu', tier: 1, nested: { x: 1, y: 2 } }, restart: { type: 'transient' as const, backoff: { minMs: 10, maxMs: 100 } } };

  it('merges settings and restart, replaces enabled and credentials, removes with null', () => {
    expect(applyAccountPatch(current, { settings: { tier: null, nested: { y: 3 } } }).settings).toEqual({ region: 'eu', nested: { x: 1, y: 3 } });
    expect(applyAccountPatch(current, { restart: { backoff: { maxMs: 500 } } }).restart).toEqual({ type: 'transient', backoff: { minMs: 10, maxMs: 500 } });
    expect(applyAccountPatch(current, { restart: null }).restart).toBeUndefined();
    expect(applyAccountPatch(current, { credentials: null })).not.toHaveProperty('credentials');
    expect(applyAccountPatch(current, { settings: null }).settings).toEqual({});
    expect(applyAccountPatch(current, {})).toEqual(current);
    expect(applyAccountPatch(current, { enabled: false, credentials: 'new' })).toMatchObject({ enabled: false, credentials: 'new' });
  });

  it('checks the merged result: an invalid restart policy or an id change is refused naming the field', () => {
    expect(() => applyAccountPatch(current, { restart: { backoff: { factor: 0 } } })).toThrow(/restart\.backoff\.factor/);
    expect(() => applyAccountPatch(current, { restart: { bogus: 1 } })).toThrow(/restart\.bogus/);
    expect(() => applyAccountPatch(current, { id: 'b' })).toThrow(/"id" cannot be changed/);
    expect(() => applyAccountPatch(current, { enabled: null })).toThrow(/"enabled"/);
    expect(() => applyAccountPatch(current, { settings: [] })).toThrow(/"settings" must be a plain object/);
  });
});

describe('checkSettingsLimits', () => {
  it('measures depth without recursion, counting arrays, and size in UTF-8 bytes', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    expect(checkSettingsLimits({ a: deep })?.reason).toContain(`at most ${SETTINGS_LIMITS.maxDepth} levels`);
    expect(checkSettingsLimits({ a: [[{ b: 1 }]] })).toBeUndefined();
    const euro = { s: '€'.repeat(Math.floor((SETTINGS_LIMITS.maxBytes - 8) / 3) + 1) };
    expect(JSON.stringify(euro).length).toBeLessThan(SETTINGS_LIMITS.maxBytes);
    expect(checkSettingsLimits(euro)?.reason).toMatch(/bytes as JSON/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(checkSettingsLimits(cyclic)?.reason).toContain('JSON-serialisable');
  });
});
