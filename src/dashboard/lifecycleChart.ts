import { accountTaskMachine } from '../machines/accountTask.js';

/** One state of the dashboard's lifecycle chart: a task state, or one the supervisor adds around the task. */
export interface ChartState {
  key: string;
  /** `task`: a state of the account task machine; `slot`: the supervisor's (`backoff`, `suspended`, `disabled`). */
  layer: 'task' | 'slot';
  final: boolean;
}

/** One arrow of the lifecycle chart. */
export interface ChartTransition {
  from: string;
  to: string;
  label: string;
  layer: 'task' | 'slot';
}

/** What the dashboard draws as the account's lifecycle: `GET <base>/ui/lifecycle.json`. */
export interface LifecycleChart {
  machine: string;
  initial: string;
  states: ChartState[];
  transitions: ChartTransition[];
}

interface NodeJson {
  key: string;
  type: string;
  initial?: { target?: string[] };
  states?: Record<string, NodeJson>;
  transitions?: { eventType: string; target?: string[]; delay?: string | number }[];
}

// Where the supervisor takes an account between tasks. These are not states of the task machine
// (the task ends in `failed` or `cleaned`); they are what the restart policy does next, so the
// chart draws them beside the task's states, as `statusOf` reports them.
const SLOT_STATES: readonly ChartState[] = [
  { key: 'backoff', layer: 'slot', final: false },
  { key: 'suspended', layer: 'slot', final: false },
  { key: 'disabled', layer: 'slot', final: false },
];
const SLOT_TRANSITIONS: readonly ChartTransition[] = [
  { from: 'cleaned', to: 'backoff', label: 'restart scheduled', layer: 'slot' },
  { from: 'backoff', to: 'loading', label: 'after delay', layer: 'slot' },
  { from: 'cleaned', to: 'suspended', label: 'suspend', layer: 'slot' },
  { from: 'suspended', to: 'loading', label: 'restart', layer: 'slot' },
  { from: 'running', to: 'disabled', label: 'disable', layer: 'slot' },
  { from: 'disabled', to: 'loading', label: 'enable', layer: 'slot' },
];

/**
 * The account lifecycle as the dashboard draws it: the task machine's top-level states and
 * transitions read from its definition (`machine.toJSON()`), plus the supervisor's `backoff`,
 * `suspended` and `disabled` around them. Built from the running code, so the chart cannot drift
 * from the machine.
 *
 * @example
 * ```ts
 * lifecycleChart().states.map((s) => s.key); // ['loading', 'running', 'cancelling', 'failed', 'cleaned', 'backoff', 'suspended', 'disabled']
 * ```
 */
export function lifecycleChart(): LifecycleChart {
  // The machine's state-node JSON (keys, transitions with their targets and delays), not the
  // config that `statevisor machines --json` prints for createMachine().
  const root = JSON.parse(JSON.stringify(accountTaskMachine.toJSON())) as NodeJson;
  const nodes = Object.values(root.states ?? {});
  const keyOf = (target: string) => target.replace(/^#[^.]*\./, '').split('.')[0] ?? target;
  const transitions: ChartTransition[] = [];
  for (const node of nodes) {
    for (const t of node.transitions ?? []) {
      for (const target of t.target ?? []) {
        const to = keyOf(target);
        if (to === node.key) continue;
        const label = eventLabel(t.eventType, t.delay);
        if (!transitions.some((x) => x.from === node.key && x.to === to && x.label === label)) transitions.push({ from: node.key, to, label, layer: 'task' });
      }
    }
  }
  return {
    machine: accountTaskMachine.id,
    initial: keyOf(root.initial?.target?.[0] ?? nodes[0]?.key ?? ''),
    states: [...nodes.map((n): ChartState => ({ key: n.key, layer: 'task', final: n.type === 'final' })), ...SLOT_STATES],
    transitions: [...transitions, ...SLOT_TRANSITIONS],
  };
}

function eventLabel(event: string, delay: string | number | undefined): string {
  if (event.startsWith('xstate.after.')) return `after ${String(delay ?? event.split('.')[2])}`;
  if (event.startsWith('xstate.done.actor.')) return `done: ${event.slice('xstate.done.actor.'.length)}`;
  if (event.startsWith('xstate.error.actor.')) return `error: ${event.slice('xstate.error.actor.'.length)}`;
  return event === '' ? 'always' : event;
}
