import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../src/history/historyEntry.js';
import { HistoryRing } from '../../src/history/historyRing.js';

const entry = (at: number): HistoryEntry => ({ kind: 'command', at, command: 'restart', outcome: 'ok' });
const ats = (entries: HistoryEntry[]) => entries.map((e) => e.at);

describe('HistoryRing', () => {
  it('keeps the newest `capacity` entries, oldest first, before and after it wraps', () => {
    const ring = new HistoryRing(5);
    for (let at = 1; at <= 3; at++) ring.push(entry(at));
    expect(ats(ring.entries())).toEqual([1, 2, 3]);
    for (let at = 4; at <= 12; at++) ring.push(entry(at));
    expect(ring.size).toBe(5);
    expect(ats(ring.entries())).toEqual([8, 9, 10, 11, 12]);
  });

  it('last(n) gives the newest n, oldest first, at every position of the head', () => {
    const ring = new HistoryRing(4);
    for (let at = 1; at <= 11; at++) {
      ring.push(entry(at));
      const held = Array.from({ length: Math.min(at, 4) }, (_, k) => at - Math.min(at, 4) + 1 + k);
      for (let n = 0; n <= 6; n++) expect(ats(ring.last(n)), `after ${at} pushes, last(${n})`).toEqual(held.slice(Math.max(0, held.length - n)));
    }
  });

  it('returns copies: changing the returned array changes nothing held', () => {
    const ring = new HistoryRing(3, [entry(1), entry(2), entry(3), entry(4)]);
    const got = ring.last(2);
    got.pop();
    expect(ats(ring.last(2))).toEqual([3, 4]);
    expect(ats(new HistoryRing(3).last(5))).toEqual([]);
  });
});
