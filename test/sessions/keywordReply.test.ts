import { describe, expect, it } from 'vitest';
import { compileKeywordSettings, matchReply } from '../../src/sessions/keywordReply.js';
import { InvalidSessionSettingsError } from '../../src/sessions/errors.js';

describe('keyword replies', () => {
  const k = compileKeywordSettings({
    keywords: [
      { match: 'price', reply: 'substring' },
      { match: '/^hi\\b/i', reply: 'regex' },
      { match: 'Price', reply: 'capital' },
      { match: '/order #\\d+/g', reply: 'global flag dropped' },
    ],
    defaultReply: 'default',
  });

  it('matches substrings case-sensitively, regexes with their flags, first rule wins', () => {
    expect(matchReply(k, 'the price is?')).toBe('substring');
    expect(matchReply(k, 'HI there')).toBe('regex');
    expect(matchReply(k, 'Price?')).toBe('capital');
    expect(matchReply(k, 'Price or price?')).toBe('substring');
    expect(matchReply(k, 'nothing')).toBe('default');
  });

  it('drops g and y so repeated tests give the same answer', () => {
    expect(matchReply(k, 'order #12')).toBe('global flag dropped');
    expect(matchReply(k, 'order #12')).toBe('global flag dropped');
  });

  it('gives no reply without a match and without defaultReply', () => {
    expect(matchReply(compileKeywordSettings({ keywords: [{ match: 'x', reply: 'y' }] }), 'z')).toBeUndefined();
    expect(matchReply(compileKeywordSettings({}), 'z')).toBeUndefined();
  });

  it('rejects invalid settings with a non-retryable error naming the field', () => {
    const bad = (settings: Record<string, unknown>) => () => compileKeywordSettings(settings);
    expect(bad({ keywords: [{ match: '/(/', reply: 'x' }] })).toThrow(InvalidSessionSettingsError);
    expect(bad({ keywords: [{ match: '/(/', reply: 'x' }] })).toThrow(/keywords\.0\.match/);
    expect(bad({ keywords: 'price' })).toThrow(/keywords/);
    expect(bad({ defaultReply: 3 })).toThrow(/defaultReply/);
    let thrown: unknown;
    try {
      bad({ keywords: [{ match: '', reply: 'x' }] })();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'INVALID_SESSION_SETTINGS', retryable: false });
  });
});
