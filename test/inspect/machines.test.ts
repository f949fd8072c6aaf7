import { describe, expect, it } from 'vitest';
import { machineDefinitions, toMermaid } from '../../src/inspect/index.js';
import { accountTaskMachine, supervisorMachine } from '../../src/index.js';

describe('machineDefinitions()', () => {
  it('gives both machines as plain JSON with their states, transitions and invokes', () => {
    const defs = machineDefinitions();
    expect(JSON.parse(JSON.stringify(defs))).toEqual(defs);
    expect(defs.accountTask).toMatchObject({ id: 'accountTask', type: 'compound' });
    expect(Object.keys(defs.accountTask.states as object)).toEqual(['loading', 'running', 'cancelling', 'failed', 'cleaned']);
    expect(Object.keys(defs.supervisor.states as object)).toEqual(['starting', 'running', 'shuttingDown', 'stopped']);
    const running = (defs.accountTask.states as Record<string, { invoke: { src: string }[] }>).running!;
    expect(running.invoke).toEqual([expect.objectContaining({ id: 'runWorker', src: 'runWorker' })]);
  });
});

describe('toMermaid()', () => {
  it('draws the account task lifecycle exactly', () => {
    expect(toMermaid(accountTaskMachine)).toBe(
      [
        'stateDiagram-v2',
        '  [*] --> loading',
        '  loading --> running: LOADED',
        '  loading --> failed: LOAD_FAILED',
        '  loading --> cleaned: CANCEL',
        '  loading --> failed: after loadTimeout',
        '  running --> cleaned: WORKER_DONE',
        '  running --> failed: WORKER_FAILED',
        '  running --> cancelling: CANCEL',
        '  cancelling --> cleaned: SETTLED',
        '  cancelling --> cleaned: after cancelTimeout',
        '  failed --> cleaned: SETTLED',
        '  failed --> cleaned: after cancelTimeout',
        '  cleaned --> [*]',
        '',
      ].join('\n'),
    );
  });

  it('draws every transition of the supervisor, decisions as self-loops', () => {
    const diagram = toMermaid(supervisorMachine);
    expect(diagram.startsWith('stateDiagram-v2\n  [*] --> starting\n')).toBe(true);
    for (const line of ['running --> running: RESTART_SCHEDULED', 'running --> shuttingDown: ESCALATED', 'shuttingDown_draining --> shuttingDown_closing: after shutdownDeadline', 'stopped --> [*]']) {
      expect(diagram).toContain(`  ${line}\n`);
    }
    // One arrow per transition of the definition (nested states included), plus the initial and final arrows.
    type StateDef = { transitions: unknown[]; states?: Record<string, StateDef> };
    const count = (states: Record<string, StateDef>): number =>
      Object.values(states).reduce((n, s) => n + s.transitions.length + (s.states ? count(s.states) : 0), 0);
    const compound = (states: Record<string, StateDef>): number =>
      Object.values(states).reduce((n, s) => n + (s.states && Object.keys(s.states).length > 0 ? 1 + compound(s.states) : 0), 0);
    const defs = machineDefinitions().supervisor.states as Record<string, StateDef>;
    const arrows = diagram.split('\n').filter((l) => l.includes(' --> '));
    expect(arrows).toHaveLength(1 + count(defs) + compound(defs) + 1);
  });
});
