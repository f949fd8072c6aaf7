import { readdir, readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { daemonLogger } from '../../src/daemon/daemon.js';
import { errorSerializer } from '../../src/logging/errorSerializer.js';
import { NESTED_REDACT_KEYS, statevisorLoggerOptions } from '../../src/logging/redaction.js';
import { isSecretKey, MASK, redactUrl, redactUrlsIn, scrubReplacer, SECRET_KEYS, toSafeJson } from '../../src/secrets/index.js';
import { CredentialsRejectedError, SessionClosedError } from '../../src/sessions/errors.js';
import { describeError } from '../../src/worker/describeError.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

describe('one list of secret keys, for logs, API responses and inspection', () => {
  it('every key of the list is masked by the scrubber and the JSON replacer at any depth, and censored by the logger at the top level', () => {
    const capture = new Capture();
    const log = pino(statevisorLoggerOptions({ level: 'info' }), capture);
    for (const [i, key] of SECRET_KEYS.entries()) {
      const value = `s3cret-${i}`;
      expect(toSafeJson({ [key]: value, deep: { deeper: { [key]: value } } })).toEqual({ [key]: MASK, deep: { deeper: { [key]: MASK } } });
      expect(JSON.stringify({ a: { [key]: value } }, scrubReplacer)).not.toContain(value);
      log.info({ [key]: value }, 'line');
      expect(capture.text).not.toContain(value);
    }
    for (const key of NESTED_REDACT_KEYS) {
      log.info({ nested: { [key]: `nested-${key}` } }, 'line');
      expect(capture.text).not.toContain(`nested-${key}`);
    }
  });

  it('a "__proto__" key (JSON.parse makes it an own property) is kept as data, and its secrets masked', () => {
    const parsed = JSON.parse('{"__proto__":{"token":"t-1","region":"eu"},"a":1}') as object;
    const safe = toSafeJson(parsed) as Record<string, unknown>;
    expect(Object.keys(safe)).toEqual(['__proto__', 'a']);
    expect(JSON.stringify(safe)).toBe('{"__proto__":{"token":"***","region":"eu"},"a":1}');
    expect(Object.getPrototypeOf(safe)).toBe(Object.prototype);
  });

  it('matching ignores case, "-" and "_", and is on the whole key', () => {
    for (const key of ['Authorization', 'API_KEY', 'api-key', 'apiKey', 'ACCESS_TOKEN', 'Set-Cookie', 'clientSecret']) expect(isSecretKey(key)).toBe(true);
    for (const key of ['keywords', 'tokenBucket', 'id', 'settings', 'secretary']) expect(isSecretKey(key)).toBe(false);
  });

  it('the API does not import the inspection folder (the scrubber lives in src/secrets)', async () => {
    const folder = new URL('../../src/api/', import.meta.url);
    for (const name of await readdir(folder)) {
      expect(await readFile(new URL(name, folder), 'utf8'), name).not.toMatch(/from '\.\.\/inspect\//);
    }
  });
});

describe('URL redaction', () => {
  it('masks user-info, query values and the fragment; keeps scheme, host, port and path', () => {
    expect(redactUrl('ws://user:PASS@host:81/feed?key=SECRET&x=1#frag')).toBe('ws://***:***@host:81/feed?key=***&x=***#***');
    expect(redactUrl('wss://token@host/')).toBe('wss://***@host/');
    expect(redactUrl('http://127.0.0.1:7070')).toBe('http://127.0.0.1:7070');
    expect(redactUrl('not a url ?key=SECRET')).toBe('(invalid url)');
  });

  it('finds URLs inside text, and the logger redacts them in every string field', () => {
    expect(redactUrlsIn('connect to ws://u:PASS@h/?k=SECRET failed, see http://docs.example/x')).toBe('connect to ws://***:***@h/?k=*** failed, see http://docs.example/x');
    const capture = new Capture();
    pino(statevisorLoggerOptions(), capture).info({ upstream: 'ws://u:PASS@h/?k=SECRET', nested: { url: 'https://h/p?sig=SECRET' } }, 'line');
    expect(capture.text).not.toMatch(/PASS|SECRET/);
    expect(JSON.parse(capture.text)).toMatchObject({ upstream: 'ws://***:***@h/?k=***', nested: { url: 'https://h/p?sig=***' } });
  });
});

describe('logged errors', () => {
  it('an expected, coded error: its class and code, no stack, never "Object"', () => {
    expect(errorSerializer(new CredentialsRejectedError())).toEqual({ type: 'CredentialsRejectedError', code: 'CREDENTIALS_REJECTED', message: expect.any(String) as string, retryable: false });
    // As the lifecycle records it: plain data, still named.
    expect(errorSerializer(describeError(new SessionClosedError(1006, '')))).toEqual({ type: 'SessionClosedError', code: 'SESSION_CLOSED', message: 'The platform closed the session (close code 1006).' });
  });

  it('an unexpected error keeps its stack', () => {
    const logged = errorSerializer(new TypeError('boom')) as { type: string; stack?: string };
    expect(logged.type).toBe('TypeError');
    expect(logged.stack).toContain('TypeError: boom');
    expect((errorSerializer(Object.assign(new Error('bad arg'), { code: 'ERR_INVALID_ARG_TYPE' })) as { stack?: string }).stack).toBeDefined();
  });
});

describe('pretty logs on a terminal', () => {
  it('escape control characters in the message: a newline cannot forge a log line', () => {
    const out = Object.assign(new Capture(), { isTTY: true });
    const log = daemonLogger({ logLevel: 'info' }, out);
    log.info('customer wrote "hi\n10:00:00.000 INFO: account x suspended" \u001b[2J');
    const lines = out.text.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('hi\\n10:00:00.000 INFO: account x suspended');
    expect(lines[0]).toContain('\\u001b[2J');
    expect(lines[0]).not.toContain('\u001b[2J');
  });
});
