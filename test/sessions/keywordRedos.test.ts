import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { compileMatcher } from '../../src/sessions/keywordMatcher.js';
import { compileKeywordSettings, keywordSettingsSchema, matchReply } from '../../src/sessions/keywordReply.js';

/*
 * Issue 12, item 2: an operator's keyword regex must not be able to freeze the process. With
 * JavaScript's backtracking engine, `/(a+)+$/` against 31 `a`s and a `!` took 9.7 s, doubling with
 * each extra character. Patterns now run on RE2 (re2js), linear in the message.
 */

// Each backtracks exponentially in JavaScript on a near-miss; none matches the messages below.
const HOSTILE = ['/(a+)+$/', '/^(a|a)*$/', '/^(a|aa)+$/', '/^(\\w+\\s?)*$/', '/(x+x+)+y/', '/^(.*a){12}$/'];

describe('keyword regexes run in linear time', () => {
  it('catastrophic patterns against long hostile messages do not block the event loop', async () => {
    const rules = HOSTILE.map((match, i) => ({ match, reply: `r${i}` }));
    const settings = compileKeywordSettings({ keywords: rules });
    const messages = ['a'.repeat(31) + '!', 'a'.repeat(20_000) + '!', `${'ab '.repeat(5_000)}!`, `${'x'.repeat(20_000)}!`];
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    const started = performance.now();
    for (const text of messages) expect(matchReply(settings, text)).toBeUndefined();
    const elapsed = performance.now() - started;
    // Let the monitor sample the loop once more.
    await new Promise((resolve) => setTimeout(resolve, 30));
    histogram.disable();
    // Backtracking needs longer than the age of the universe for these; linear time needs milliseconds.
    // Generous bounds: the machine is shared.
    expect(elapsed, `matching took ${elapsed.toFixed(0)} ms`).toBeLessThan(3_000);
    expect(histogram.max / 1e6, 'largest event-loop delay (ms)').toBeLessThan(3_000);
  });

  it('still matches what the rules say: substrings, flags, anchors, the first rule wins', () => {
    const k = compileKeywordSettings({
      keywords: [
        { match: '/(a+)+$/', reply: 'only a' },
        { match: '/^hi\\b/i', reply: 'hello' },
        { match: '/^line2$/m', reply: 'multiline' },
        { match: '/a.b/s', reply: 'dotall' },
        { match: '/order #\\d+/gy', reply: 'order' },
        { match: 'price', reply: 'substring' },
      ],
      defaultReply: 'default',
    });
    expect(matchReply(k, 'aaaa')).toBe('only a');
    expect(matchReply(k, 'HI there')).toBe('hello');
    expect(matchReply(k, 'line1\nline2')).toBe('multiline');
    expect(matchReply(k, 'a\nb')).toBe('dotall');
    expect(matchReply(k, 'order #12')).toBe('order');
    expect(matchReply(k, 'order #12')).toBe('order');
    expect(matchReply(k, 'the price?')).toBe('substring');
    expect(matchReply(k, 'nothing')).toBe('default');
  });

  it('refuses what RE2 cannot run in linear time, and unknown flags, naming the field', () => {
    for (const match of ['/(a)\\1/', '/(?=a)b/', '/(?<!a)b/', '/a{1001}/', '/(/', '/a/x', '/a/v']) {
      expect(compileMatcher(match).problem, match).toBeDefined();
      const parsed = keywordSettingsSchema.safeParse({ keywords: [{ match: 'ok', reply: '' }, { match, reply: 'x' }] });
      expect(parsed.success, match).toBe(false);
      expect(parsed.error?.issues[0]?.path, match).toEqual(['keywords', 1, 'match']);
      expect(() => compileKeywordSettings({ keywords: [{ match, reply: 'x' }] }), match).toThrow(/keywords\.0\.match/);
    }
    expect(compileMatcher('/(a+)+$/').problem).toBeUndefined();
    expect(compileMatcher('/\\p{L}+/u').problem).toBeUndefined();
  });
});
