/**
 * The simulator's ground truth: who is connected, how many sessions each account has now and
 * ever at once, what replies arrived, how sessions closed. Tests use it as the oracle for
 * "never two sessions for one account".
 */
import type { Violation } from './options.js';

/** A reply the platform received. @example `{ messageId: 'm-1', text: 'Hi', at: 1700000000000, sessionId: 's-1' }` */
export interface ReplyRecord {
  messageId: string;
  text: string;
  at: number;
  sessionId: string;
}

/** Per-account numbers, as `stats()` shows them. @example `sim.stats().accounts['shop-1']?.closeCodes // [1000]` */
export interface AccountStats {
  sessions: number;
  maxConcurrent: number;
  replies: ReplyRecord[];
  /** Close codes of this account's registered sessions, in order (1006 = no close frame). */
  closeCodes: number[];
  /** Frames received from a session after a newer session of the same account registered: an old owner still talking. */
  staleFrames: number;
  /** Replies to one message id that came from more than one session (the second and later sessions' replies). */
  duplicateReplies: number;
  /** Each registered session: when it registered and (once over) when and how it closed, epoch ms. Last 20 kept. */
  timeline: SessionSpan[];
}

/** One session's life at the platform. @example `{ sessionId: 's-3', registeredAt: 1700000000000, closedAt: 1700000005000, closeCode: 1000 }` */
export interface SessionSpan {
  sessionId: string;
  registeredAt: number;
  closedAt?: number;
  closeCode?: number;
}

const TIMELINE_KEPT = 20;

/**
 * Everything the simulator knows, JSON-serialisable (also served at `GET /stats`).
 *
 * @example
 * ```ts
 * const s: SimulatorStats = sim.stats(); s.accounts['shop-1']?.maxConcurrent;
 * ```
 */
export interface SimulatorStats {
  totalConnections: number;
  openSockets: number;
  violations: Violation[];
  accounts: Record<string, AccountStats>;
}

/**
 * Counts sessions per account. `T` is whatever the simulator tracks per connection.
 *
 * @example
 * ```ts
 * type Conn = { id: number };
 * const conn: Conn = { id: 1 };
 * const ledger = new Ledger<Conn>((v) => console.warn(v));
 * ledger.register('a', conn); ledger.unregister('a', conn, 1000);
 * ```
 */
export class Ledger<T> {
  totalConnections = 0;
  openSockets = 0;
  readonly violations: Violation[] = [];
  private readonly live = new Map<string, Set<T>>();
  private readonly accounts = new Map<string, AccountStats>();
  /** Per account: the registration number of its newest session; per session: its own number. */
  private readonly newest = new Map<string, number>();
  private readonly generation = new Map<T, number>();
  private readonly spans = new Map<T, SessionSpan>();
  private registrations = 0;
  /** Per account: message id → the session ids that replied to it. */
  private readonly repliers = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly onViolation: (violation: Violation) => void) {}

  /** A registered session starts; returns the account's live session count. */
  register(accountId: string, session: T, sessionId = ''): number {
    const set = this.live.get(accountId) ?? new Set<T>();
    this.live.set(accountId, set);
    set.add(session);
    const generation = ++this.registrations;
    this.generation.set(session, generation);
    this.newest.set(accountId, generation);
    const stats = this.account(accountId);
    stats.sessions = set.size;
    stats.maxConcurrent = Math.max(stats.maxConcurrent, set.size);
    stats.timeline.push({ sessionId, registeredAt: Date.now() });
    if (stats.timeline.length > TIMELINE_KEPT) stats.timeline.splice(0, stats.timeline.length - TIMELINE_KEPT);
    this.spans.set(session, stats.timeline[stats.timeline.length - 1]!);
    if (set.size > 1) {
      const violation = { accountId, sessions: set.size, at: Date.now() };
      this.violations.push(violation);
      this.onViolation(violation);
    }
    return set.size;
  }

  /** A registered session ended with `code`. */
  unregister(accountId: string, session: T, code: number): void {
    const set = this.live.get(accountId);
    if (!set?.delete(session)) return;
    this.generation.delete(session);
    const span = this.spans.get(session);
    this.spans.delete(session);
    if (span) Object.assign(span, { closedAt: Date.now(), closeCode: code });
    const stats = this.account(accountId);
    stats.sessions = set.size;
    stats.closeCodes.push(code);
  }

  recordReply(accountId: string, reply: ReplyRecord): void {
    const stats = this.account(accountId);
    stats.replies.push(reply);
    let byMessage = this.repliers.get(accountId);
    if (!byMessage) this.repliers.set(accountId, (byMessage = new Map<string, Set<string>>()));
    const sessions = byMessage.get(reply.messageId) ?? new Set<string>();
    byMessage.set(reply.messageId, sessions);
    if (sessions.size > 0 && !sessions.has(reply.sessionId)) stats.duplicateReplies += 1;
    sessions.add(reply.sessionId);
  }

  /** A frame (of any kind) arrived from a registered session: counted stale if a newer session of its account registered since. */
  recordFrame(accountId: string, session: T): void {
    const own = this.generation.get(session);
    if (own !== undefined && own < (this.newest.get(accountId) ?? 0)) this.account(accountId).staleFrames += 1;
  }

  /** Live sessions of one account. */
  sessionsOf(accountId: string): T[] {
    return [...(this.live.get(accountId) ?? [])];
  }

  /** Live sessions of every account. */
  allSessions(): T[] {
    return [...this.live.values()].flatMap((set) => [...set]);
  }

  /** The account's numbers (live object, do not mutate); all zero for an account never seen. */
  peek(accountId: string): Readonly<AccountStats> {
    return this.accounts.get(accountId) ?? { sessions: 0, maxConcurrent: 0, replies: [], closeCodes: [], staleFrames: 0, duplicateReplies: 0, timeline: [] };
  }

  private account(accountId: string): AccountStats {
    let stats = this.accounts.get(accountId);
    if (!stats) {
      stats = { sessions: 0, maxConcurrent: 0, replies: [], closeCodes: [], staleFrames: 0, duplicateReplies: 0, timeline: [] };
      this.accounts.set(accountId, stats);
    }
    return stats;
  }

  /** A deep copy of everything. */
  snapshot(): SimulatorStats {
    const accounts: Record<string, AccountStats> = {};
    for (const [id, s] of this.accounts) {
      // defineProperty: an account may be called `__proto__`, which `accounts[id] =` would make the prototype.
      Object.defineProperty(accounts, id, { enumerable: true, writable: true, configurable: true, value: {
        sessions: s.sessions,
        maxConcurrent: s.maxConcurrent,
        replies: s.replies.map((r) => ({ ...r })),
        closeCodes: [...s.closeCodes],
        staleFrames: s.staleFrames,
        duplicateReplies: s.duplicateReplies,
        timeline: s.timeline.map((t) => ({ ...t })),
      } satisfies AccountStats });
    }
    return { totalConnections: this.totalConnections, openSockets: this.openSockets, violations: this.violations.map((v) => ({ ...v })), accounts };
  }
}
