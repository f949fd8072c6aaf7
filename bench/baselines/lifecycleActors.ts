/**
 * Baseline: standalone XState lifecycle actors, the design xstate-facts.md measures ("standalone
 * actors", fact 9 design (a)), written as small as it can be while keeping statevisor's shape.
 *
 * One task = one machine actor in its own actor system (`createActor(...).start()` each):
 * `loading` (a promise actor) → `running` (a promise actor running the worker, plus a callback
 * actor holding one idle 30 s `setInterval`) → on `CANCEL`: `cancelling` (aborts the worker,
 * waits for it to settle, 5 s deadline) → `cleaned` (final). A worker that throws goes to `failed`,
 * which settles the same way. No registry, no status model, no logging, no persistence: this is
 * the floor an XState-based supervisor pays per account.
 */
import { createActor, fromCallback, fromPromise, setup, type Actor } from 'xstate';

/** What a baseline task needs: the worker to run. */
export type BaselineWorker = (ctx: { signal: AbortSignal }) => Promise<void>;

/** The live worker of one task: it outlives the `running` state until it settles. */
class Handle {
  readonly controller = new AbortController();
  settled: Promise<unknown> = Promise.resolve();
  constructor(readonly worker: BaselineWorker) {}
  run(): Promise<void> {
    const p = this.worker({ signal: this.controller.signal });
    this.settled = p.catch(() => undefined);
    return p;
  }
}

export const lifecycleMachine = setup({
  types: {
    input: {} as { worker: BaselineWorker },
    context: {} as { handle: Handle },
    events: {} as { type: 'CANCEL' },
  },
  actors: {
    load: fromPromise<void, Handle>(async () => {}),
    work: fromPromise<void, Handle>(({ input }) => input.run()),
    idleTimer: fromCallback(() => {
      const timer = setInterval(() => {}, 30_000);
      return () => clearInterval(timer);
    }),
    settle: fromPromise<unknown, Handle>(({ input }) => input.settled),
  },
  actions: {
    abortWorker: ({ context }) => context.handle.controller.abort(),
  },
}).createMachine({
  id: 'lifecycle',
  context: ({ input }) => ({ handle: new Handle(input.worker) }),
  initial: 'loading',
  states: {
    loading: {
      invoke: { src: 'load', input: ({ context }) => context.handle, onDone: 'running', onError: 'failed' },
      on: { CANCEL: 'cleaned' },
    },
    running: {
      invoke: [
        { src: 'work', input: ({ context }) => context.handle, onDone: 'cleaned', onError: 'failed' },
        { src: 'idleTimer' },
      ],
      on: { CANCEL: 'cancelling' },
    },
    cancelling: {
      entry: 'abortWorker',
      invoke: { src: 'settle', input: ({ context }) => context.handle, onDone: 'cleaned' },
      after: { 5000: 'cleaned' },
    },
    failed: {
      entry: 'abortWorker',
      invoke: { src: 'settle', input: ({ context }) => context.handle, onDone: 'cleaned' },
      after: { 5000: 'cleaned' },
    },
    cleaned: { type: 'final' },
  },
});

export type LifecycleActor = Actor<typeof lifecycleMachine>;

/** Starts one standalone lifecycle actor. */
export function startLifecycleActor(worker: BaselineWorker): LifecycleActor {
  const actor = createActor(lifecycleMachine, { input: { worker } });
  actor.start();
  return actor;
}

/** Resolves when `actor` reaches a final state (at once if it has). */
export function whenDone(actor: LifecycleActor): Promise<void> {
  if (actor.getSnapshot().status !== 'active') return Promise.resolve();
  return new Promise((resolve) => {
    const sub = actor.subscribe({
      complete: () => {
        sub.unsubscribe();
        resolve();
      },
      error: () => resolve(),
    });
  });
}

/** Resolves when `actor` is `running` (its worker has been called). */
export function whenRunning(actor: LifecycleActor): Promise<void> {
  if (actor.getSnapshot().matches('running')) return Promise.resolve();
  return new Promise((resolve) => {
    const sub = actor.subscribe((s) => {
      if (s.matches('running')) {
        sub.unsubscribe();
        resolve();
      }
    });
  });
}

/** Graceful stop of a set of tasks: `CANCEL` to each, then wait until every one is `cleaned`. */
export async function stopLifecycleActors(actors: readonly LifecycleActor[]): Promise<void> {
  const done = actors.map(whenDone);
  for (const a of actors) a.send({ type: 'CANCEL' });
  await Promise.all(done);
}
