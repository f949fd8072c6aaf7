/**
 * The wire protocol between a session worker and the platform (and the simulator that fakes it):
 * JSON text frames over one WebSocket. `src/protocol/PROTOCOL.md` is the prose version; this
 * module is the single source of truth both sides import, so they cannot drift apart.
 */
import { z } from 'zod';

/**
 * WebSocket close codes the platform uses, and how a worker must treat them.
 *
 * @example
 * ```ts
 * if (code === CloseCode.accountBanned) suspendForever();
 * ```
 */
export const CloseCode = {
  /** Normal closure: the client asked to stop (or the server acknowledged it). */
  normal: 1000,
  /** The server is shutting down. Retryable. */
  goingAway: 1001,
  /** Never sent on the wire: reported locally when the TCP connection died without a close frame. */
  abnormal: 1006,
  /** Generic server-side drop. Retryable. */
  serverDrop: 4000,
  /** The token was not accepted for this account. Not retryable. */
  credentialsRejected: 4001,
  /** The client broke the protocol (bad JSON, unknown frame, frame out of order). Not retryable. */
  protocolError: 4002,
  /** The account is banned. Not retryable. */
  accountBanned: 4003,
  /** The client did not register in time. Retryable. */
  registerTimeout: 4008,
} as const;

/** Longest text the platform accepts in a reply (characters). */
export const MAX_TEXT_LENGTH = 4096;

const seq = z.number().int().nonnegative();

/**
 * Frames a client sends. `register` must be the first one; the others are only valid after `registered`.
 *
 * @example
 * ```ts
 * clientFrameSchema.parse({ type: 'heartbeat', seq: 3 });
 * ```
 */
export const clientFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('register'), accountId: z.string().min(1).max(128), token: z.string().max(4096) }),
  z.object({ type: z.literal('heartbeat'), seq }),
  z.object({ type: z.literal('reply'), messageId: z.string().min(1).max(128), text: z.string().max(MAX_TEXT_LENGTH) }),
]);

/**
 * Frames the server sends. Clients must ignore frame types they do not know (forward compatibility).
 *
 * @example
 * ```ts
 * serverFrameSchema.parse({ type: 'registered', sessionId: 's-1' });
 * ```
 */
export const serverFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('registered'), sessionId: z.string() }),
  z.object({ type: z.literal('heartbeat_ack'), seq }),
  z.object({ type: z.literal('message'), id: z.string(), from: z.string(), text: z.string() }),
]);

/** A frame a client sends. @example `const f: ClientFrame = { type: 'heartbeat', seq: 1 };` */
export type ClientFrame = z.infer<typeof clientFrameSchema>;
/** A frame the server sends. @example `const f: ServerFrame = { type: 'heartbeat_ack', seq: 1 };` */
export type ServerFrame = z.infer<typeof serverFrameSchema>;

/**
 * Parses one text frame; `undefined` when it is not JSON or not a valid frame of the schema.
 *
 * @example
 * ```ts
 * const frame = parseFrame(serverFrameSchema, data.toString());
 * if (frame?.type === 'message') handle(frame);
 * ```
 */
export function parseFrame<T>(schema: z.ZodType<T>, text: string): T | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const result = schema.safeParse(json);
  return result.success ? result.data : undefined;
}

/**
 * Serialises a frame for `ws.send`.
 *
 * @example
 * ```ts
 * ws.send(encodeFrame({ type: 'heartbeat', seq: 1 }));
 * ```
 */
export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame);
}
