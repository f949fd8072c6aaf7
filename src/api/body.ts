import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors.js';

/**
 * True when the request announces a body (a non-zero `Content-Length`, or chunked encoding).
 *
 * @example
 * ```ts
 * if (!hasBody(req)) return undefined;
 * ```
 */
export function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/**
 * Reads a JSON request body of at most `maxBytes`, or returns `undefined` when there is none.
 *
 * - Not `application/json` (charset parameters allowed) → 415, nothing read.
 * - `Content-Length` over the limit → 413, nothing read; a chunked body → 413 as soon as the
 *   bytes read pass the limit. Reading stops there: the body is never buffered whole. The caller
 *   answers with `Connection: close`, so the rest is never read.
 * - Invalid UTF-8 or JSON → 400 `INVALID_JSON`.
 *
 * @example
 * ```ts
 * const body = await readJsonBody(req, 65_536); // unknown | undefined
 * ```
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  if (!hasBody(req)) return undefined;
  checkContentType(req.headers['content-type']);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const bytes = await readLimited(req, maxBytes);
  return parseJson(bytes);
}

function checkContentType(contentType: string | undefined): void {
  const media = contentType?.split(';')[0]?.trim().toLowerCase();
  if (media !== 'application/json') {
    throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `Request bodies must be JSON with "Content-Type: application/json" (got ${contentType === undefined ? 'none' : JSON.stringify(contentType.slice(0, 100))}).`);
  }
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, 'PAYLOAD_TOO_LARGE', `The request body exceeds ${maxBytes} bytes.`, undefined, { Connection: 'close' });
}

function readLimited(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const done = (error?: HttpError) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (error) {
        req.pause();
        reject(error);
      } else resolve(Buffer.concat(chunks, total));
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > maxBytes) done(tooLarge(maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = () => done();
    const onError = () => done(new HttpError(400, 'BODY_ABORTED', 'The request body could not be read.'));
    const onClose = () => (req.complete ? undefined : onError());
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(bytes: Buffer): unknown {
  if (bytes.length === 0) throw new HttpError(400, 'INVALID_JSON', 'The request body is empty; send a JSON object.');
  try {
    return JSON.parse(utf8.decode(bytes)) as unknown;
  } catch (err) {
    const detail = err instanceof SyntaxError ? err.message : 'it is not valid UTF-8';
    throw new HttpError(400, 'INVALID_JSON', `The request body is not valid JSON: ${detail.slice(0, 200)}.`);
  }
}
