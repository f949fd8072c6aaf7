/**
 * The machine exports as real tools take them: `statevisor machines --json` loads back with
 * `createMachine()` into the same transition graph; `--mermaid` documents parse with the `mermaid`
 * package (11.17, under jsdom) and show every transition.
 */
import { Writable } from 'node:stream';
import { JSDOM } from 'jsdom';
import type { Mermaid } from 'mermaid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMachine, type AnyStateMachine } from 'xstate';
import { OPERATOR_EXIT, runOperatorCli } from '../../src/cli/index.js';
import { machineDefinitions, MACHINES, toMermaid } from '../../src/inspect/index.js';
import { transitionEdges, type TransitionEdge } from '../../src/inspect/transitions.js';
import { accountTaskMachine, supervisorMachine } from '../../src/index.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString('utf8');
    callback();
  }
}

async function machinesCli(...argv: string[]): Promise<{ code: number; out: string }> {
  const stdout = new Capture();
  const code = await runOperatorCli({ argv: ['machines', ...argv], env: {}, stdout, stderr: new Capture() });
  return { code, out: stdout.text };
}

/** A machine's transition graph as comparable strings: source, event, guard, targets. */
function graph(machine: AnyStateMachine): string[] {
  return transitionEdges(machine).map((e: TransitionEdge) => `${e.source} --${e.eventType}${e.guard ? `[${e.guard}]` : ''}--> ${e.targets.join(',') || '(self)'}`);
}

const NAMES = Object.keys(MACHINES) as (keyof typeof MACHINES)[];

describe('statevisor machines --json', () => {
  it('loads back with createMachine() into the same transition graph, with no stray toJSON keys', async () => {
    const run = await machinesCli('--json');
    expect(run.code).toBe(0);
    expect(run.out).not.toContain('toJSON');
    const printed = JSON.parse(run.out) as Record<string, Record<string, unknown>>;
    expect(Object.keys(printed)).toEqual(NAMES);
    for (const name of NAMES) {
      const loaded = createMachine(printed[name] as never);
      expect(loaded.id).toBe(MACHINES[name].id);
      const original = graph(MACHINES[name]);
      expect(original.length).toBeGreaterThan(10);
      expect(graph(loaded)).toEqual(original);
      expect(Object.keys(loaded.root.states)).toEqual(Object.keys(MACHINES[name].root.states));
      expect(loaded.root.initial?.target.map((n) => n.id)).toEqual(MACHINES[name].root.initial?.target.map((n) => n.id));
    }
    const one = await machinesCli('--json', '--machine', 'accountTask');
    expect(JSON.parse(one.out)).toEqual(printed.accountTask);
  });

  it('names implementations instead of serialising functions; leaves out context, input and output functions', () => {
    const { accountTask, supervisor } = machineDefinitions();
    expect(accountTask).not.toHaveProperty('context');
    expect(accountTask).not.toHaveProperty('output');
    // The task invokes nothing (see accountTask.ts): its steps are named entry actions.
    expect(accountTask).not.toHaveProperty('invoke');
    const loading = (accountTask.states as Record<string, Record<string, unknown>>).loading!;
    expect(loading.entry).toBe('loadAccount');
    expect(loading.after).toEqual({ loadTimeout: { target: 'failed', actions: 'recordLoadTimeout' } });
    expect(JSON.parse(JSON.stringify(supervisor))).toEqual(supervisor);
  });
});

describe('statevisor machines --mermaid, parsed by mermaid 11 under jsdom', () => {
  let mermaid: Mermaid;
  const saved = { window: globalThis.window, document: globalThis.document };
  beforeAll(async () => {
    const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
    Object.assign(globalThis, { window: dom.window, document: dom.window.document });
    mermaid = (await import('mermaid')).default;
    mermaid.initialize({ startOnLoad: false });
  }, 60_000);
  afterAll(() => {
    Object.assign(globalThis, saved);
  });

  it('the parser is strict: two diagrams in one document and a broken arrow are refused', async () => {
    await expect(mermaid.parse(`${toMermaid(supervisorMachine)}${toMermaid(accountTaskMachine)}`)).rejects.toThrow(/Parse error/);
    await expect(mermaid.parse('stateDiagram-v2\n  a -> --> b\n')).rejects.toThrow(/Parse error/);
  });

  it('--mermaid --machine X prints one document that parses; bare --mermaid prints one fenced block per machine, each parsing', async () => {
    for (const name of NAMES) {
      const run = await machinesCli('--mermaid', '--machine', name);
      expect(run.code).toBe(0);
      expect(await mermaid.parse(run.out)).toMatchObject({ diagramType: 'stateDiagram' });
    }
    const all = await machinesCli('--mermaid');
    const blocks = [...all.out.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(NAMES.length);
    for (const block of blocks) expect(await mermaid.parse(block)).toMatchObject({ diagramType: 'stateDiagram' });
    expect((await machinesCli()).code).toBe(OPERATOR_EXIT.usage);
  });

  it('every transition is visible: each event on an edge between its states, one self-loop per state naming all its events', () => {
    for (const machine of [supervisorMachine, accountTaskMachine]) {
      const diagram = toMermaid(machine);
      const lines = diagram.split('\n');
      const edgeLines = lines.filter((l) => / --> /.test(l) && !l.includes('[*]'));
      const state = (id: string) => id.split('.').slice(1).join('_');
      for (const e of transitionEdges(machine)) {
        const bare = e.eventType.startsWith('xstate.after.') ? `after ${String(e.delay)}` : e.eventType.replace(/^xstate\.done\.actor\./, 'done: ').replace(/^xstate\.error\.actor\./, 'error: ');
        const event = e.guard ? `${bare} [${e.guard}]` : bare;
        const targets = e.targets.length > 0 ? e.targets : [e.source];
        for (const target of targets) {
          const line = edgeLines.find((l) => l.trim().startsWith(`${state(e.source)} --> ${state(target)}: `) && l.split(': ').slice(1).join(': ').split(', ').includes(event));
          expect(line, `${e.source} --${e.eventType}--> ${target}`).toBeDefined();
        }
      }
      // No two self-loops on one state (Mermaid would draw them on top of each other).
      const loops = edgeLines.map((l) => /^\s*(\w+) --> (\w+):/.exec(l)).filter((m) => m && m[1] === m[2]).map((m) => m![1]);
      expect(new Set(loops).size).toBe(loops.length);
    }
    expect(toMermaid(supervisorMachine)).toContain('  running --> running: TASK_ENDED, RESTART_SCHEDULED, SUSPENDED, TASK_FINISHED\n');
  });

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
});

describe('machineDefinitions()', () => {
  it('gives both machines as plain JSON with their top-level states', () => {
    const defs = machineDefinitions();
    expect(JSON.parse(JSON.stringify(defs))).toEqual(defs);
    expect(Object.keys(defs.accountTask.states as object)).toEqual(['loading', 'running', 'cancelling', 'failed', 'cleaned']);
    expect(Object.keys(defs.supervisor.states as object)).toEqual(['starting', 'running', 'shuttingDown', 'stopped']);
  });
});
