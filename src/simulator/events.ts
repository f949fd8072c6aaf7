/**
 * A tiny typed event hub. Listeners run synchronously inside the simulator's socket handlers, so
 * a throwing listener is turned into a process warning instead of breaking the simulator.
 */
import type { Violation } from './options.js';

/**
 * Events of a simulator and their payloads.
 *
 * @example
 * ```ts
 * sim.on('registered', ({ accountId, sessions }) => console.log(accountId, sessions));
 * ```
 */
export interface SimulatorEvents {
  /** A WebSocket connection was accepted (before `register`). */
  connection: { totalConnections: number };
  /** A session registered; `sessions` is the account's live count including it. */
  registered: { accountId: string; sessionId: string; sessions: number };
  /** A second live session for one account: the oracle's alarm. */
  violation: Violation;
  /** A reply arrived. */
  reply: { accountId: string; messageId: string; text: string };
  /**
   * A socket closed; `accountId` is absent when it never registered. `code` and `reason` are the
   * close frame the server received (1006 and `''` when the connection was cut without one).
   */
  closed: { accountId?: string; sessionId?: string; code: number; reason: string };
}

type Listener<K extends keyof SimulatorEvents> = (payload: SimulatorEvents[K]) => void;

/**
 * Typed listeners per event; `on` returns the function that removes the listener.
 *
 * @example
 * ```ts
 * const hub = new EventHub(); const off = hub.on('reply', console.log); hub.emit('reply', r); off();
 * ```
 */
export class EventHub {
  private readonly listeners = new Map<keyof SimulatorEvents, Set<(payload: never) => void>>();

  on<K extends keyof SimulatorEvents>(event: K, listener: Listener<K>): () => void {
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set);
    set.add(listener);
    return () => void set.delete(listener);
  }

  emit<K extends keyof SimulatorEvents>(event: K, payload: SimulatorEvents[K]): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        (listener as Listener<K>)(payload);
      } catch (e) {
        process.emitWarning(`simulator: a '${event}' listener threw: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
