import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { transitionEdges, type TransitionEdge } from './transitions.js';

/**
 * A Mermaid `stateDiagram-v2` of `machine`: one document, for one machine (Mermaid refuses two
 * diagrams in one document). Initial and final states, every transition labelled with its event
 * (`after loadTimeout`, `done: runWorker`, `error: loadAccount`, `always`, the guard in
 * brackets), nested states as composite states.
 *
 * Self-transitions (targetless ones included) are drawn as ONE self-loop per state whose label
 * names every event, in definition order: Mermaid draws several self-loops of one state on top of
 * each other, so all but one label would be lost.
 *
 * @example
 * ```ts
 * console.log(toMermaid(supervisorMachine));
 * // stateDiagram-v2
 * //   [*] --> starting
 * //   …
 * //   running --> running: TASK_ENDED, RESTART_SCHEDULED, SUSPENDED, TASK_FINISHED
 * ```
 */
export function toMermaid(machine: AnyStateMachine): string {
  const edges = transitionEdges(machine);
  const lines = ['stateDiagram-v2'];
  writeChildren(machine.root, edges, lines, '  ');
  return `${lines.join('\n')}\n`;
}

function writeChildren(node: AnyStateNode, edges: TransitionEdge[], lines: string[], indent: string): void {
  const children = Object.values(node.states);
  const initial = node.initial?.target?.[0] as AnyStateNode | undefined;
  if (initial) lines.push(`${indent}[*] --> ${nameOf(initial.id)}`);
  for (const child of children) {
    if (child.type === 'compound' || child.type === 'parallel') {
      lines.push(`${indent}state ${nameOf(child.id)} {`);
      writeChildren(child, edges, lines, `${indent}  `);
      lines.push(`${indent}}`);
    }
  }
  for (const child of children) {
    const own = edges.filter((e) => e.source === child.id);
    const loops = own.filter((e) => e.targets.length === 0 || e.targets.every((t) => t === child.id));
    for (const e of own) {
      if (loops.includes(e)) continue;
      for (const target of e.targets) lines.push(`${indent}${nameOf(child.id)} --> ${nameOf(target)}: ${label(e)}`);
    }
    if (loops.length > 0) lines.push(`${indent}${nameOf(child.id)} --> ${nameOf(child.id)}: ${loops.map(label).join(', ')}`);
    if (child.type === 'final') lines.push(`${indent}${nameOf(child.id)} --> [*]`);
  }
}

/** Mermaid ids cannot hold dots: `accountTask.running` → `running`, nested `m.a.b` → `a_b`. */
function nameOf(id: string): string {
  const path = id.split('.').slice(1);
  return path.join('_').replace(/[^A-Za-z0-9_]/g, '_') || 'root';
}

function label(t: TransitionEdge): string {
  const event = t.eventType;
  let text: string;
  if (event === '') text = 'always';
  else if (event.startsWith('xstate.after.')) text = `after ${String(t.delay ?? event.split('.')[2])}`;
  else if (event.startsWith('xstate.done.actor.')) text = `done: ${event.slice('xstate.done.actor.'.length)}`;
  else if (event.startsWith('xstate.error.actor.')) text = `error: ${event.slice('xstate.error.actor.'.length)}`;
  else if (event.startsWith('xstate.done.state.')) text = 'done';
  else text = event;
  return t.guard ? `${text} [${t.guard}]` : text;
}
