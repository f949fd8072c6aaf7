/**
 * The supervision tree in the inspector: account tasks are standalone actors (own systems), yet
 * every inspection client sees them as children of the supervisor, through the relay (real
 * `createWebSocketReceiver` from @statelyai/inspect 0.7.2) and through a user's own
 * @statelyai/inspect inspector passed as `createSupervisor({ inspect })`.
 */
import { createInspector, createWebSocketReceiver, type StatelyInspectionEvent } from '@statelyai/inspect';
import { afterEach, describe, expect, it } from 'vitest';
import { createActor, createMachine, fromCallback, type InspectionEvent } from 'xstate';
import { createInspectionRelay, inspectAsChildrenOf, type InspectionRelay } from '../../src/inspect/index.js';
import { createSupervisor, memoryStore, type Supervisor } from '../../src/index.js';
import { cooperativeWorker, silent } from '../api/helpers.js';

const SECRET = 'tree-secret-credential-91c2';

let relay: InspectionRelay | undefined;
let supervisor: Supervisor | undefined;
afterEach(async () => {
  await supervisor?.shutdown({ timeoutMs: 2_000 });
  await relay?.close({ timeoutMs: 1_000 });
  supervisor = undefined;
  relay = undefined;
});

type Received = StatelyInspectionEvent & { name?: string; parentId?: string; rootId?: string; sessionId: string; event?: { type: string } };

async function eventually(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A real receiver of the relay, recording every event. */
async function receiver(url: string, r: InspectionRelay, clients: number) {
  const received: Received[] = [];
  const sub = createWebSocketReceiver({ server: url }).subscribe((event) => received.push(event));
  await eventually(() => r.stats().clients === clients, 'the receiver to join');
  return { received, sub };
}

const actors = (received: Received[]) => received.filter((e) => e.type === '@xstate.actor');

describe('the supervision tree through the relay', () => {
  it('every account task appears as a child of the supervisor, for live and late receivers', async () => {
    relay = await createInspectionRelay({ port: 0 });
    const live = await receiver(relay.url, relay, 1);
    supervisor = createSupervisor({ worker: cooperativeWorker().worker, store: memoryStore(), logger: silent, inspect: relay.inspect, cancelTimeoutMs: 200 });
    await supervisor.start();
    for (const id of ['a', 'b', 'c']) await supervisor.add({ id, credentials: SECRET });
    for (const id of ['a', 'b', 'c']) await supervisor.waitFor(id, 'running');
    await supervisor.restart('b');
    await supervisor.waitFor('b', (s) => s.state === 'running' && s.incarnation === 2);
    const rootSession = supervisor.actor.sessionId;
    await eventually(() => actors(live.received).some((e) => e.name === 'accountTask:b#2'), 'the second incarnation of b');

    const tasks = actors(live.received).filter((e) => e.name?.startsWith('accountTask:'));
    expect(tasks.map((t) => t.name).sort()).toEqual(['accountTask:a#1', 'accountTask:b#1', 'accountTask:b#2', 'accountTask:c#1']);
    for (const task of tasks) expect({ name: task.name, parentId: task.parentId, rootId: task.rootId }).toEqual({ name: task.name, parentId: rootSession, rootId: rootSession });
    const root = actors(live.received).find((e) => e.name === 'supervisor')!;
    expect(root.sessionId).toBe(rootSession);
    expect(root.parentId).toBeUndefined();
    // A task invokes no actor of its own (its steps are entry actions, see accountTask.ts): every
    // actor with a parent is a task under the supervisor or one the supervisor itself invokes.
    const taskSessions = new Set(tasks.map((t) => t.sessionId));
    const underTasks = actors(live.received).filter((e) => e.parentId !== undefined && taskSessions.has(e.parentId));
    expect(underTasks).toEqual([]);
    // Every event of a task's system carries the supervisor's root id.
    const taskEvents = live.received.filter((e) => taskSessions.has(e.sessionId));
    expect(taskEvents.length).toBeGreaterThan(tasks.length);
    expect(taskEvents.every((e) => e.rootId === rootSession)).toBe(true);

    // A receiver that joins now gets the live tree replayed, links included.
    const late = await receiver(relay.url, relay, 2);
    await eventually(() => actors(late.received).filter((e) => e.name?.startsWith('accountTask:')).length === 3, 'the replayed tasks');
    const replayed = actors(late.received).filter((e) => e.name?.startsWith('accountTask:'));
    expect(replayed.map((t) => t.name).sort()).toEqual(['accountTask:a#1', 'accountTask:b#2', 'accountTask:c#1']);
    for (const task of replayed) expect(task.parentId).toBe(rootSession);
    expect(JSON.stringify([...live.received, ...late.received])).not.toContain(SECRET);
    live.sub.unsubscribe();
    late.sub.unsubscribe();
  });
});

describe('supervision decisions through the relay', () => {
  it('createWebSocketReceiver sees RESTART_SCHEDULED and SUSPENDED as events of the supervisor, with account, incarnation, delay and cause, without credentials', async () => {
    relay = await createInspectionRelay({ port: 0 });
    const live = await receiver(relay.url, relay, 1);
    supervisor = createSupervisor({
      workerFor: (account) =>
        account.id === 'looping'
          ? async () => {
              throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
            }
          : cooperativeWorker().worker,
      store: memoryStore(),
      logger: silent,
      inspect: relay.inspect,
      cancelTimeoutMs: 200,
      restart: { backoff: { minMs: 5, maxMs: 5, jitter: 'none' }, intensity: { maxRestarts: 2, withinMs: 60_000 } },
    });
    await supervisor.start();
    await supervisor.add({ id: 'looping', credentials: SECRET });
    await supervisor.waitFor('looping', 'suspended');
    const rootSession = supervisor.actor.sessionId;
    type Decision = { type: string; accountId?: string; incarnation?: number; delayMs?: number; cause?: string; restartsInWindow?: number; maxRestarts?: number };
    const decisions = () => live.received.filter((e) => e.type === '@xstate.event' && e.sessionId === rootSession).map((e) => e.event as unknown as Decision);
    await eventually(() => decisions().some((d) => d.type === 'SUSPENDED'), 'the SUSPENDED event');
    const restarts = decisions().filter((d) => d.type === 'RESTART_SCHEDULED');
    expect(restarts.map((d) => ({ accountId: d.accountId, incarnation: d.incarnation, delayMs: d.delayMs }))).toEqual([
      { accountId: 'looping', incarnation: 1, delayMs: 5 },
      { accountId: 'looping', incarnation: 2, delayMs: 5 },
    ]);
    expect(decisions().find((d) => d.type === 'SUSPENDED')).toMatchObject({ accountId: 'looping', incarnation: 3, cause: 'intensity', restartsInWindow: 2, maxRestarts: 2 });
    // Each decision follows the TASK_ENDED it answers, on the same actor.
    expect(decisions().map((d) => d.type)).toEqual(expect.arrayContaining(['TASK_ENDED', 'RESTART_SCHEDULED', 'SUSPENDED']));
    expect(JSON.stringify(live.received)).not.toContain(SECRET);
    live.sub.unsubscribe();
  });
});

describe('a user’s own @statelyai/inspect inspector', () => {
  it('gets the same tree: tasks with the supervisor as parent and root', async () => {
    const sent: Received[] = [];
    const inspector = createInspector({ send: (event) => sent.push(event as Received) });
    supervisor = createSupervisor({ worker: cooperativeWorker().worker, store: memoryStore(), logger: silent, inspect: inspector.inspect, cancelTimeoutMs: 200 });
    await supervisor.start();
    await supervisor.add({ id: 'x', credentials: SECRET });
    await supervisor.waitFor('x', 'running');
    // @statelyai/inspect converts each event a timer tick later.
    await eventually(() => actors(sent).some((e) => e.name === 'accountTask'), 'the task registration');
    const task = actors(sent).find((e) => e.name === 'accountTask')!;
    expect(task.parentId).toBe(supervisor.actor.sessionId);
    expect(task.rootId).toBe(supervisor.actor.sessionId);
    expect(actors(sent).find((e) => e.name === 'supervisor')?.parentId).toBeUndefined();
  });
});

describe('inspectAsChildrenOf()', () => {
  it('changes what the observer sees, never the actors: a task’s completion is not sent to the parent', () => {
    const parentMachine = createMachine({ id: 'parent', on: { '*': {} } });
    const seen: InspectionEvent[] = [];
    const parent = createActor(parentMachine, { inspect: (e) => seen.push(e) }).start();
    const childMachine = createMachine({ id: 'child', initial: 'on', states: { on: { on: { STOP: 'off' } }, off: { type: 'final' } } });
    const child = createActor(childMachine, { inspect: inspectAsChildrenOf(() => parent, (e) => seen.push(e)) }).start();
    const invokerMachine = createMachine({ id: 'invoker', invoke: { id: 'ticker', src: fromCallback(() => () => undefined) } });
    const invoker = createActor(invokerMachine, { inspect: inspectAsChildrenOf(() => parent, (e) => seen.push(e)) }).start();
    child.send({ type: 'STOP' });
    expect(child.getSnapshot().status).toBe('done');
    // The parent received nothing from the child's system (its only event is its own init).
    expect(seen.filter((e) => e.type === '@xstate.event' && e.actorRef === parent).map((e) => (e as { event: { type: string } }).event.type)).toEqual(['xstate.init']);
    const registration = seen.find((e) => e.type === '@xstate.actor' && e.actorRef.sessionId === child.sessionId)!;
    expect((registration.actorRef as unknown as { _parent?: unknown })._parent).toBe(parent);
    expect(registration.rootId).toBe(parent.sessionId);
    // The view reads through to the real actor, and the real actor keeps no parent.
    expect(registration.actorRef.getSnapshot()).toBe(child.getSnapshot());
    expect((child as unknown as { _parent?: unknown })._parent).toBeUndefined();
    // What the child invokes keeps its real parent, the child, not the view.
    const invokedRegistration = seen.find((e) => e.type === '@xstate.actor' && e.actorRef.sessionId === invoker.getSnapshot().children.ticker?.sessionId)!;
    expect((invokedRegistration.actorRef as unknown as { _parent?: unknown })._parent).toBe(invoker);
    expect(invokedRegistration.rootId).toBe(parent.sessionId);
    // One view per actor: every event of the child carries the same object.
    const refs = new Set(seen.filter((e) => e.actorRef.sessionId === child.sessionId).map((e) => e.actorRef));
    expect(refs.size).toBe(1);
    invoker.stop();
    parent.stop();
  });
});
