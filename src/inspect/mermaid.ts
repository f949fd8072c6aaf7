import type { AnyStateMachine } from 'xstate';
import { machineDefinition } from './definitions.js';

/** A state node as it appears in `machine.toJSON()`. */
interface NodeJson {
  id: string;
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  initial?: { target?: string[] };
  states?: Record<string, NodeJson>;
  transitions?: TransitionJson[];
}

interface TransitionJson {
  eventType: string;
  target?: string[];
  delay?: string | number;
  guard?: string | { type?: string };
}

/**
 * A Mermaid `stateDiagram-v2` of `machine`, built from its definition: initial and final states,
 * every transition labelled with its event (`after loadTimeout`, `done: runWorker`,
 * `error: loadAccount`, `always`, and the guard in brackets), targetless transitions as
 * self-loops, nested states as composite states.
 *
 * @example
 * ```ts
 * console.log(toMermaid(accountTaskMachine));
 * // stateDiagram-v2
 * //   [*] --> loading
 * //   loading --> running: done: loadAccount
 * //   …
 * ```
 */
export function toMermaid(machine: AnyStateMachine): string {
  const root = machineDefinition(machine) as unknown as NodeJson;
  const lines = ['stateDiagram-v2'];
  writeChildren(root, lines, '  ');
  return `${lines.join('\n')}\n`;
}

function writeChildren(node: NodeJson, lines: string[], indent: string): void {
  const children = Object.values(node.states ?? {});
  const initial = node.initial?.target?.[0];
  if (initial) lines.push(`${indent}[*] --> ${nameOf(initial)}`);
  for (const child of children) {
    if (child.type === 'compound' || child.type === 'parallel') {
      lines.push(`${indent}state ${nameOf(child.id)} {`);
      writeChildren(child, lines, `${indent}  `);
      lines.push(`${indent}}`);
    }
  }
  for (const child of children) {
    for (const t of child.transitions ?? []) {
      const targets = t.target && t.target.length > 0 ? t.target : [child.id];
      for (const target of targets) lines.push(`${indent}${nameOf(child.id)} --> ${nameOf(target)}: ${label(t)}`);
    }
    if (child.type === 'final') lines.push(`${indent}${nameOf(child.id)} --> [*]`);
  }
}

/** Mermaid ids cannot hold dots: `#accountTask.running` → `running`, nested `#m.a.b` → `a_b`. */
function nameOf(id: string): string {
  const path = id.replace(/^#/, '').split('.').slice(1);
  return path.join('_').replace(/[^A-Za-z0-9_]/g, '_') || 'root';
}

function label(t: TransitionJson): string {
  const event = t.eventType;
  let text: string;
  if (event === '') text = 'always';
  else if (event.startsWith('xstate.after.')) text = `after ${String(t.delay ?? event.split('.')[2])}`;
  else if (event.startsWith('xstate.done.actor.')) text = `done: ${event.slice('xstate.done.actor.'.length)}`;
  else if (event.startsWith('xstate.error.actor.')) text = `error: ${event.slice('xstate.error.actor.'.length)}`;
  else if (event.startsWith('xstate.done.state.')) text = 'done';
  else text = event;
  const guard = typeof t.guard === 'string' ? t.guard : t.guard?.type;
  return guard ? `${text} [${guard}]` : text;
}
