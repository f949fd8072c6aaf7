/**
 * Where a JSON text stops being valid: 0-based `offset`, 1-based `line` and `column`, and what
 * was expected there. Never quotes the text itself (a store file holds credentials).
 */
export interface JsonErrorPosition {
  offset: number;
  line: number;
  column: number;
  reason: string;
}

/** Deeper nesting than this is reported as an error instead of risking the call stack. */
const MAX_DEPTH = 2_000;

class JsonSyntaxFailure {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

/**
 * Finds the first syntax error in `text`, or `undefined` if `text` is valid JSON. Node 20's
 * `JSON.parse` messages do not always carry a position and they echo the input, so the store
 * uses this after `JSON.parse` fails to name a line and column without quoting the file.
 *
 * @example
 * ```ts
 * locateJsonError('{\n  "a": 1,\n}'); // { offset: 12, line: 3, column: 1, reason: 'expected a double-quoted property name' }
 * ```
 */
export function locateJsonError(text: string): JsonErrorPosition | undefined {
  const scanner = new JsonScanner(text);
  try {
    scanner.document();
    return undefined;
  } catch (e) {
    if (!(e instanceof JsonSyntaxFailure)) throw e;
    return { offset: e.offset, ...lineAndColumn(text, e.offset), reason: e.reason };
  }
}

/**
 * 1-based line and column of a 0-based offset.
 * @example
 * ```ts
 * lineAndColumn('{\n  x', 4); // { line: 2, column: 3 }
 * ```
 */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// eslint-disable-next-line no-control-regex
const STRING_BODY = /(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*/y;

class JsonScanner {
  private pos = 0;
  constructor(private readonly text: string) {}

  document(): void {
    this.value(0);
    this.ws();
    if (this.pos < this.text.length) this.fail('unexpected content after the end of the JSON value');
  }

  private value(depth: number): void {
    this.ws();
    if (depth > MAX_DEPTH) this.fail('nesting is too deep');
    const c = this.text[this.pos];
    if (c === '{') this.object(depth);
    else if (c === '[') this.array(depth);
    else if (c === '"') this.string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.match(NUMBER, 'a number');
    else if (!this.literal()) this.fail(c === undefined ? 'unexpected end of input: a value is missing' : 'expected a value');
  }

  private object(depth: number): void {
    this.pos++;
    this.ws();
    if (this.eat('}')) return;
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') this.fail('expected a double-quoted property name');
      this.string();
      this.ws();
      if (!this.eat(':')) this.fail("expected ':' after the property name");
      this.value(depth + 1);
      this.ws();
      if (this.eat('}')) return;
      if (!this.eat(',')) this.fail("expected ',' or '}' after the property value");
    }
  }

  private array(depth: number): void {
    this.pos++;
    this.ws();
    if (this.eat(']')) return;
    for (;;) {
      this.value(depth + 1);
      this.ws();
      if (this.eat(']')) return;
      if (!this.eat(',')) this.fail("expected ',' or ']' after the array element");
    }
  }

  private string(): void {
    this.pos++;
    STRING_BODY.lastIndex = this.pos;
    STRING_BODY.exec(this.text);
    this.pos = STRING_BODY.lastIndex;
    if (this.eat('"')) return;
    if (this.pos >= this.text.length) this.fail('unterminated string');
    this.fail(this.text[this.pos] === '\\' ? 'invalid escape sequence in a string' : 'control character in a string');
  }

  private literal(): boolean {
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return true;
      }
    }
    return false;
  }

  private match(re: RegExp, what: string): void {
    re.lastIndex = this.pos;
    if (!re.test(this.text)) this.fail(`expected ${what}`);
    this.pos = re.lastIndex;
  }

  private ws(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos] as string)) this.pos++;
  }

  private eat(c: string): boolean {
    if (this.text[this.pos] !== c) return false;
    this.pos++;
    return true;
  }

  private fail(reason: string): never {
    const atEnd = this.pos >= this.text.length;
    throw new JsonSyntaxFailure(this.pos, atEnd && !reason.startsWith('unexpected end') ? `unexpected end of input (${reason})` : reason);
  }
}
