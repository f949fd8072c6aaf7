import { RE2JS } from 're2js';

/** `/body/flags`, the whole string. */
const REGEX_LITERAL = /^\/(.+)\/([a-z]*)$/s;

/** JavaScript flags and what they become in RE2. `g` and `y` are dropped (they make a test stateful); `u` is always on. */
const FLAGS: Readonly<Record<string, number>> = Object.freeze({ i: RE2JS.CASE_INSENSITIVE, m: RE2JS.MULTILINE, s: RE2JS.DOTALL, g: 0, y: 0, u: 0 });

/** A compiled `match`: a test on a message's text, or why the pattern was refused. */
export type Matcher = { test: (text: string) => boolean; problem?: undefined } | { test?: undefined; problem: string };

/**
 * Compiles one keyword `match`: a case-sensitive plain substring, or a `/regex/flags` string (the
 * whole value starts with `/` and ends with `/` plus flags from `i`, `m`, `s`, `u`, `g`, `y`).
 *
 * Regexes run on RE2 (the `re2js` package), whose matching time grows linearly with the
 * message, so no pattern can block the event loop (`/(a+)+$/` included). The price is RE2's
 * syntax: no backreferences (`\1`), no lookahead or lookbehind (`(?=`, `(?<=`), repetition
 * counts up to 1000; `\d`, `\w`, `\b` are ASCII, as in JavaScript without the `u` flag.
 *
 * @example
 * ```ts
 * compileMatcher('/^hi\\b/i').test?.('Hi there'); // true
 * compileMatcher('/(?=x)/').problem;              // 'is not a valid regular expression here (…)'
 * ```
 */
export function compileMatcher(match: string): Matcher {
  const literal = REGEX_LITERAL.exec(match);
  if (!literal) return { test: (text) => text.includes(match) };
  const [, body = '', flags = ''] = literal;
  let bits = 0;
  for (const flag of flags) {
    const bit = Object.hasOwn(FLAGS, flag) ? FLAGS[flag] : undefined;
    if (bit === undefined) return { problem: `has the regular expression flag "${flag}", which is not supported (use i, m, s, u, g or y)` };
    bits |= bit;
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(body, bits);
  } catch (e) {
    return {
      problem:
        `is not a valid regular expression here (${(e as Error).message}); patterns run on RE2 in linear time: ` +
        'no backreferences, no lookaround, repetition counts up to 1000',
    };
  }
  return { test: (text) => re.test(text) };
}
