/**
 * The local trust window of a lease, on a monotonic clock.
 *
 * A renewal (or acquisition) is sent at local time `renewStart`; the database sets
 * `expires_at = now() + leaseMs` when it executes the statement, which is after `renewStart` in
 * real time. So `renewStart + leaseMs` is never later than the database's expiry, and this node
 * trusts the lease only until `renewStart + leaseMs − marginMs`: the margin absorbs clock-rate
 * differences and the time needed to cancel the shard's tasks. The trust is never extended by the
 * answer's arrival time (a late answer must not buy more time than the request could).
 *
 * @example
 * ```ts
 * trustUntil({ renewStart: clock.now(), leaseMs: 15_000, marginMs: 3_000 }); // renewStart + 12 000
 * ```
 */
export function trustUntil(w: { renewStart: number; leaseMs: number; marginMs: number }): number {
  return w.renewStart + w.leaseMs - w.marginMs;
}

/**
 * Whether a lease with trust end `until` may still be used at monotonic time `now`.
 * @example
 * ```ts
 * if (!isTrusted(state.trustedUntil, clock.now())) fence(shard);
 * ```
 */
export function isTrusted(until: number, now: number): boolean {
  return now < until;
}

/**
 * The default margin: a fifth of the lease (3 s of a 15 s lease), at least 200 ms.
 * @example
 * ```ts
 * defaultTrustMargin(15_000); // 3000
 * ```
 */
export function defaultTrustMargin(leaseMs: number): number {
  return Math.max(200, Math.round(leaseMs / 5));
}
