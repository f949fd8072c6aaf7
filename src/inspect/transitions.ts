import type { AnyStateMachine, AnyStateNode } from 'xstate';

/** One transition of a machine, as the inspector and the diagrams show it. */
export interface TransitionEdge {
  /** The source state node's id (`accountTask.running`). */
  source: string;
  /** Target state node ids; empty for a targetless transition (it stays in `source`). */
  targets: string[];
  /** The event, as XState names it (`xstate.after.loadTimeout.accountTask.loading`, `''` for `always`). */
  eventType: string;
  /** For a delayed transition: the delay's name or milliseconds. */
  delay?: string | number;
  /** The guard's name, if any. */
  guard?: string;
}

/**
 * Every transition of `machine`, state by state in definition order, read from its state nodes
 * (what XState runs, not what the config says).
 *
 * @example
 * ```ts
 * transitionEdges(accountTaskMachine)[0]; // { source: 'accountTask.loading', targets: ['accountTask.running'], eventType: 'LOADED' }
 * ```
 */
export function transitionEdges(machine: AnyStateMachine): TransitionEdge[] {
  const edges: TransitionEdge[] = [];
  const visit = (node: AnyStateNode): void => {
    const delays = new Map(node.after.map((t) => [t.eventType, t.delay]));
    const all = [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
    for (const t of all) {
      const edge: TransitionEdge = { source: node.id, targets: (t.target ?? []).map((n: AnyStateNode) => n.id), eventType: t.eventType as string };
      const delay = delays.get(t.eventType);
      if (typeof delay === 'string' || typeof delay === 'number') edge.delay = delay;
      else if (typeof delay === 'function') edge.delay = delay.name || 'inline';
      const guard = guardName(t.guard);
      if (guard) edge.guard = guard;
      edges.push(edge);
    }
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root);
  return edges;
}

function guardName(guard: unknown): string | undefined {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return guard.name || 'inline';
  if (guard && typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') return (guard as { type: string }).type;
  return undefined;
}
