import type { AnyActorRef, InspectionEvent } from 'xstate';
import { toSafeJson } from '../secrets/scrub.js';

/**
 * The `_version` the relayed events carry: the @statelyai/inspect release whose wire format
 * they follow (its `convertXStateEvent`). Its receivers check that `_version` is a string.
 */
export const STATELY_INSPECT_VERSION = '0.7.2';

/** One inspection event in @statelyai/inspect's wire format, before serialisation. */
export type StatelyEvent = Record<string, unknown> & { type: '@xstate.actor' | '@xstate.event' | '@xstate.snapshot' };

interface LogicWithConfig {
  config?: unknown;
}

/**
 * Caches each actor logic's definition string (`@xstate.actor`'s `definition`): a machine's
 * config is serialised once per machine, not once per actor.
 *
 * @example
 * ```ts
 * const definitions = new DefinitionCache();
 * definitions.of(actorRef, 'accountTask'); // the machine's config as JSON, computed once
 * ```
 */
export class DefinitionCache {
  readonly #cache = new WeakMap<object, string>();
  #serialised = 0;

  /** Definitions serialised so far. */
  get serialised(): number {
    return this.#serialised;
  }

  /** The definition string of `ref`'s logic, as @statelyai/inspect builds it. */
  of(ref: AnyActorRef, name: string): string {
    const logic = (ref as unknown as { logic?: LogicWithConfig }).logic;
    const config = logic?.config;
    if (typeof config !== 'object' || config === null || !logic) return JSON.stringify({ id: name });
    let definition = this.#cache.get(logic);
    if (definition === undefined) {
      definition = JSON.stringify(toSafeJson(config));
      this.#serialised += 1;
      this.#cache.set(logic, definition);
    }
    return definition;
  }
}

/**
 * The display name of an actor: its id, or for a standalone actor (id = session id) its machine's
 * id; an account task's name adds its account and incarnation (`accountTask:shop-1#3`), since
 * tasks run as standalone actors and all share the machine id.
 *
 * @example
 * ```ts
 * actorName(taskActor); // 'accountTask:shop-1#3'
 * ```
 */
export function actorName(ref: AnyActorRef): string {
  const config = (ref as unknown as { logic?: LogicWithConfig }).logic?.config as { id?: unknown } | undefined;
  if (ref.id !== ref.sessionId || typeof config?.id !== 'string') return ref.id;
  const context = (ref.getSnapshot() as { context?: { accountId?: unknown; incarnation?: unknown } } | undefined)?.context;
  if (typeof context?.accountId === 'string') return `${config.id}:${context.accountId}#${String(context.incarnation)}`;
  return config.id;
}

/**
 * An `@xstate.actor` registration for `ref` with its current snapshot (also used to replay the
 * live actors to a client that connects late).
 *
 * @example
 * ```ts
 * socket.send(JSON.stringify(toSafeJson(actorEvent(root, root.sessionId, definitions))));
 * ```
 */
export function actorEvent(ref: AnyActorRef, rootId: string | undefined, definitions: DefinitionCache): StatelyEvent {
  const name = actorName(ref);
  return {
    type: '@xstate.actor',
    name,
    definition: definitions.of(ref, name),
    _version: STATELY_INSPECT_VERSION,
    createdAt: Date.now().toString(),
    id: null,
    rootId,
    parentId: (ref as unknown as { _parent?: AnyActorRef })._parent?.sessionId,
    sessionId: ref.sessionId,
    snapshot: ref.getSnapshot() as unknown,
  };
}

/**
 * Converts an XState inspection event to @statelyai/inspect's format, or `undefined` for the
 * kinds it drops (`@xstate.microstep`, `@xstate.action`). Call it after the actor's constructor
 * returned (XState emits `@xstate.actor` before the actor has a snapshot).
 *
 * @example
 * ```ts
 * const message = toStatelyEvent(event, new DefinitionCache());
 * if (message) socket.send(JSON.stringify(toSafeJson(message)));
 * ```
 */
export function toStatelyEvent(event: InspectionEvent, definitions: DefinitionCache): StatelyEvent | undefined {
  const common = { _version: STATELY_INSPECT_VERSION, createdAt: Date.now().toString(), id: null, rootId: event.rootId, sessionId: event.actorRef.sessionId };
  switch (event.type) {
    case '@xstate.actor':
      return actorEvent(event.actorRef as AnyActorRef, event.rootId, definitions);
    case '@xstate.event':
      return { ...common, type: '@xstate.event', event: event.event, sourceId: event.sourceRef?.sessionId };
    case '@xstate.snapshot':
      return { ...common, type: '@xstate.snapshot', event: event.event, snapshot: event.snapshot };
    default:
      return undefined;
  }
}
