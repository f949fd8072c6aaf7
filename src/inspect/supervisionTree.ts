import type { AnyActorRef, InspectionEvent, Observer } from 'xstate';

/** An inspection observer as `createActor(…, { inspect })` takes it: a function or an observer object. */
export type InspectObserver = Observer<InspectionEvent> | ((event: InspectionEvent) => void);

interface WithParent {
  _parent?: AnyActorRef;
}

/**
 * Wraps an inspection observer so that the standalone actors it sees appear as children of
 * `parent()`: what statevisor passes to every account task, so that the inspector draws the
 * supervisor with its tasks under it.
 *
 * Why it is needed: each account task runs in its own actor system, not spawned by the supervisor
 * (spawning 100,000 children is quadratic in XState 5, see the supervisor machine's header), so
 * XState reports no parent for it. The inspector draws its tree from `parentId`, which
 * @statelyai/inspect (and statevisor's relay) read from `actorRef._parent`. This wrapper hands the
 * observer, for every event of a task's system:
 * - an `actorRef` that is a read-only view of the task whose `_parent` is `parent()`, for the task
 *   itself (an actor with no parent of its own); actors the task invokes keep their real parent,
 *   the task;
 * - `rootId` set to `parent()`'s session id, as if the tasks lived in the supervisor's system.
 * Everything else is the real actor (the view forwards every read and call to it), and the actors
 * themselves are untouched: XState never sends a task's completion to the supervisor. While
 * `parent()` returns `undefined`, events pass through as they are.
 *
 * What differs for an observer: `event.actorRef` of a task is the view, not the actor object
 * `createActor` returned (compare `sessionId`s, not references). One view per task, reused.
 *
 * @example
 * ```ts
 * const inspector = createWebSocketInspector({ url: 'ws://127.0.0.1:8080' });
 * const tasksInspect = inspectAsChildrenOf(() => supervisorActor, inspector.inspect);
 * createActor(accountTaskMachine, { input, inspect: tasksInspect }).start(); // parentId = supervisor
 * ```
 */
export function inspectAsChildrenOf(parent: () => AnyActorRef | undefined, observer: InspectObserver): (event: InspectionEvent) => void {
  const next = typeof observer === 'function' ? observer : (event: InspectionEvent) => observer.next?.(event);
  const views = new WeakMap<AnyActorRef, AnyActorRef>();
  const adopt = (ref: AnyActorRef, root: AnyActorRef): AnyActorRef => {
    if ((ref as WithParent)._parent !== undefined || ref === root) return ref;
    let view = views.get(ref);
    if (!view) {
      view = childView(ref, root);
      views.set(ref, view);
    }
    return view;
  };
  return (event) => {
    const root = parent();
    if (!root) {
      next(event);
      return;
    }
    // Changed in place rather than copied: XState makes a new event object for each inspection
    // event of a system and hands it to that system's observers, and a task's system has exactly
    // one, this function. A copy per event (`{ ...event, actorRef, rootId }`) was 3 % of a
    // simulated restart storm's CPU profile (simulateFleet, 300 accounts, every task inspected).
    const adopted = event as unknown as { actorRef: AnyActorRef; sourceRef?: AnyActorRef | undefined; rootId: string };
    adopted.actorRef = adopt(event.actorRef as AnyActorRef, root);
    if (event.type === '@xstate.event' && event.sourceRef) adopted.sourceRef = adopt(event.sourceRef as AnyActorRef, root);
    adopted.rootId = root.sessionId;
    next(event);
  };
}

/** A view of `ref` whose `_parent` is `parent`; every other read and call goes to `ref` itself. */
function childView(ref: AnyActorRef, parent: AnyActorRef): AnyActorRef {
  return new Proxy(ref, {
    get(target, key) {
      if (key === '_parent') return parent;
      const value: unknown = Reflect.get(target, key, target);
      // Bound to the real actor: its methods read private state the view does not have.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set: () => false,
  });
}
