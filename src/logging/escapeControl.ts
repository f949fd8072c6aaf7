// C0 and C1 control characters and DEL, plus the line and paragraph separators that some terminals
// treat as newlines.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * `text` with control characters written as escapes (`\n`, `\r`, `\t`, `\u001b`): for output read
 * by a person, where a newline inside a customer's message would otherwise start what looks like
 * a new log line, and an escape sequence would drive the terminal.
 *
 * @example
 * ```ts
 * escapeControl('hi\n10:00:00 INFO forged'); // 'hi\\n10:00:00 INFO forged'
 * ```
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
