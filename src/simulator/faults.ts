/**
 * Fault injection: what the simulated platform does wrong, per account or globally. Owns the
 * `dropEvery` timers; `dispose()` stops them.
 */
import { CloseCode } from '../protocol/protocol.js';
import type { SimConnection } from './connection.js';
import type { Ledger } from './ledger.js';

/** How `drop()` ends a session: `'abrupt'` kills TCP (client sees 1006), `'close'` sends close 4000. @example `sim.drop('shop-1', 'close')` */
export type DropMode = 'abrupt' | 'close';

/**
 * The current faults and the operations that inject them.
 *
 * @example
 * ```ts
 * const faults = new Faults(ledger);
 * faults.halfOpen('shop-1', true);
 * faults.dispose();
 * ```
 */
export class Faults {
  /** Delay before the server answers a client's close frame; 0 = at once. */
  closeSlowlyMs = 0;
  private refuseUntil = 0;
  private readonly halfOpenAccounts = new Set<string>();
  private readonly verdicts = new Map<string, 'reject' | 'ban'>();
  private readonly dropTimers = new Map<string, NodeJS.Timeout>();
  private disposed = false;

  constructor(private readonly ledger: Ledger<SimConnection>) {}

  isHalfOpen(accountId: string): boolean {
    return this.halfOpenAccounts.has(accountId);
  }

  /** A forced verdict (from `rejectCredentials` / `ban`), overriding the auth policy. */
  verdictFor(accountId: string): 'reject' | 'ban' | undefined {
    return this.verdicts.get(accountId);
  }

  /** New connections are being refused (an outage). */
  refusing(): boolean {
    return Date.now() < this.refuseUntil;
  }

  /** Ends the account's live sessions; returns how many. */
  drop(accountId: string, mode: DropMode = 'abrupt'): number {
    const sessions = this.ledger.sessionsOf(accountId);
    for (const s of sessions) {
      if (mode === 'abrupt') s.terminate();
      else s.closeWith(CloseCode.serverDrop, 'server drop');
    }
    return sessions.length;
  }

  /** Stops (or resumes) all traffic of the account: frames, acks, pongs, pushes. */
  halfOpen(accountId: string, on = true): void {
    if (on) this.halfOpenAccounts.add(accountId);
    else this.halfOpenAccounts.delete(accountId);
  }

  /** From now on the account's token is rejected (4001); live sessions are closed with 4001. */
  rejectCredentials(accountId: string): number {
    return this.force(accountId, 'reject', CloseCode.credentialsRejected, 'credentials rejected');
  }

  /** From now on the account is banned (4003); live sessions are closed with 4003. */
  ban(accountId: string): number {
    return this.force(accountId, 'ban', CloseCode.accountBanned, 'account banned');
  }

  /** Clears every per-account fault of the account (verdict, half-open, dropEvery). */
  restore(accountId: string): void {
    this.verdicts.delete(accountId);
    this.halfOpenAccounts.delete(accountId);
    this.dropEvery(accountId, 0);
  }

  /** For `ms`, upgrades are answered with HTTP 503 (existing sessions are untouched); 0 ends it. */
  refuseConnections(ms: number): void {
    this.refuseUntil = ms > 0 ? Date.now() + ms : 0;
  }

  /** Delays the answer to client close frames by `ms` (0 = off). */
  closeSlowly(ms: number): void {
    this.closeSlowlyMs = Math.max(0, ms);
  }

  /** Drops the account's sessions abruptly about every `ms` (±25 % jitter); 0 stops. */
  dropEvery(accountId: string, ms: number): void {
    clearTimeout(this.dropTimers.get(accountId));
    this.dropTimers.delete(accountId);
    if (!(ms > 0) || this.disposed) return;
    const schedule = (): void => {
      const delay = ms * (0.75 + Math.random() * 0.5);
      this.dropTimers.set(accountId, setTimeout(() => {
        this.drop(accountId);
        schedule();
      }, delay));
    };
    schedule();
  }

  /** Stops every timer. */
  dispose(): void {
    this.disposed = true;
    for (const timer of this.dropTimers.values()) clearTimeout(timer);
    this.dropTimers.clear();
  }

  private force(accountId: string, verdict: 'reject' | 'ban', code: number, reason: string): number {
    this.verdicts.set(accountId, verdict);
    const sessions = this.ledger.sessionsOf(accountId);
    for (const s of sessions) s.closeWith(code, reason);
    return sessions.length;
  }
}
