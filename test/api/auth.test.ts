/** The token check and the loopback test on their own (mutation testing found them under-tested). */
import { describe, expect, it } from 'vitest';
import { bearerToken, isLoopbackHost, tokenCheck } from '../../src/api/auth.js';

describe('tokenCheck', () => {
  const check = tokenCheck('s3cret-token-of-16+');
  it('tells missing from wrong: nothing or an empty token is missing, anything else that differs is wrong', () => {
    expect(check.token(undefined)).toBe('missing');
    expect(check.token('')).toBe('missing');
    expect(check.token('s3cret')).toBe('wrong');
    expect(check.token('s3cret-token-of-16+')).toBe('ok');
    expect(check.header(undefined)).toBe('missing');
    expect(check.header('Bearer ')).toBe('missing');
    expect(check.header('Basic s3cret-token-of-16+')).toBe('missing');
    expect(check.header('Bearer s3cret-token-of-16+x')).toBe('wrong');
    expect(check.header('Bearer s3cret-token-of-16+')).toBe('ok');
  });
});

describe('bearerToken', () => {
  it('reads only a header that starts with the Bearer scheme, any case, one or more spaces', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Bearer   abc')).toBe('abc');
    expect(bearerToken('Bearer abc  ')).toBe('abc');
    expect(bearerToken('xBearer abc')).toBeUndefined();
    expect(bearerToken('Token Bearer abc')).toBeUndefined();
    expect(bearerToken('Bearer abc def')).toBeUndefined();
    expect(bearerToken('Bearerabc')).toBeUndefined();
  });
});

describe('isLoopbackHost', () => {
  it('accepts localhost, 127.0.0.0/8 and ::1 in any case, with spaces or brackets', () => {
    for (const host of ['localhost', 'LocalHost', ' localhost ', '127.0.0.1', '127.1.2.3', ' 127.0.0.1 ', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
  });
  it('refuses every other host, including near misses around the brackets', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'localhost.example', 'x127.0.0.1', '::[1]', '[::]1', 'a[::1]', '[::1]a', '']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});
