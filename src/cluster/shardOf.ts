/**
 * The shard of an account: FNV-1a (32 bit) of its id, modulo the shard count. Stable across
 * processes, versions and machines (no seed, no platform hash), so every node agrees.
 *
 * @example
 * ```ts
 * shardOf('shop-42', 256); // always the same number in 0..255
 * ```
 */
export function shardOf(accountId: string, shards: number): number {
  return fnv1a32(accountId) % shards;
}

/**
 * FNV-1a, 32 bit, over the UTF-8 bytes of `text`.
 * @example
 * ```ts
 * fnv1a32(''); // 2166136261
 * ```
 */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
