/**
 * Every supervision decision reaches inspection observers as an event of the supervisor actor
 * (`@xstate.event`, sent to the root, not raised inside an action, which would only be a
 * microstep that @statelyai/inspect drops), with the account id, the incarnation, the delay or
 * cause, and never the account's credentials.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import type { Supervisor } from '../../src/index.js';
import { startSupervisor } from '../helpers/supervisor.js';

const SECRET = 'sk_live_do-not-leak-7f3a';

let current: Supervisor | undefined;
afterEach(async () => {
  await current?.shutdown({ timeoutMs: 1_000 });
  current = undefined;
});

/** The events the root actor received, as an inspector sees them. */
function recorder() {
  const seen: InspectionEvent[] = [];
  return {
    inspect: (e: InspectionEvent) => void seen.push(e),
    all: seen,
    rootEvents: (sup: Supervisor) =>
      seen.flatMap((e) => (e.type === '@xstate.event' && e.actorRef === sup.actor ? [{ event: e.event, sourceRef: e.sourceRef }] : [])),
  };
}

/** Everything an inspector could serialise from the recorded events. */
function serialised(events: InspectionEvent[]): string {
  return events
    .map((e) => JSON.stringify({ type: e.type, event: 'event' in e ? e.event : undefined, snapshot: 'snapshot' in e ? (e.snapshot as { context?: unknown }).context : undefined }))
    .join('\n');
}

describe('decisions as events of the supervisor actor', () => {
  it('RESTART_SCHEDULED and SUSPENDED arrive as @xstate.event of the root, sent by itself, with id, incarnation, delay and cause', async () => {
    const rec = recorder();
    const { sup, cw } = await startSupervisor({ inspect: rec.inspect, restart: { backoff: { minMs: 5, maxMs: 5, jitter: 'none' } } });
    current = sup;
    await sup.add({ id: 'a', credentials: SECRET });
    (await cw.nextInstance('a', 0)).reject(new Error('connection reset'));
    (await cw.nextInstance('a', 1)).reject(Object.assign(new Error('credentials rejected'), { code: 'AUTH', retryable: false }));
    await sup.waitFor('a', 'suspended');

    const events = rec.rootEvents(sup);
    const restart = events.find((e) => e.event.type === 'RESTART_SCHEDULED');
    expect(restart?.event).toMatchObject({ accountId: 'a', incarnation: 1, reason: 'failed', delayMs: 5, attempt: 0, error: { message: 'connection reset' } });
    expect(restart?.sourceRef).toBe(sup.actor);
    const suspended = events.find((e) => e.event.type === 'SUSPENDED');
    expect(suspended?.event).toMatchObject({ accountId: 'a', incarnation: 2, cause: 'nonRetryable', error: { message: 'credentials rejected', code: 'AUTH' } });
    expect(suspended?.sourceRef).toBe(sup.actor);
    // Each decision follows the TASK_ENDED it answers.
    const types = events.map((e) => e.event.type);
    expect(types.indexOf('RESTART_SCHEDULED')).toBeGreaterThan(types.indexOf('TASK_ENDED'));
    // No stack in a decision event: it shows what a status shows.
    expect(JSON.stringify(restart?.event)).not.toContain('    at ');
    expect(serialised(rec.all)).not.toContain(SECRET);
  });

  it('SUSPENDED by intensity says how many restarts were in the window and the limit', async () => {
    const rec = recorder();
    const { sup, cw } = await startSupervisor({ inspect: rec.inspect, restart: { backoff: { minMs: 1, maxMs: 1, jitter: 'none' }, intensity: { maxRestarts: 2, withinMs: 60_000 } } });
    current = sup;
    await sup.add({ id: 'a', credentials: SECRET });
    for (let i = 0; i < 3; i++) (await cw.nextInstance('a', i)).reject(new Error(`crash ${i + 1}`));
    await sup.waitFor('a', 'suspended');
    const suspended = rec.rootEvents(sup).find((e) => e.event.type === 'SUSPENDED');
    expect(suspended?.event).toMatchObject({ accountId: 'a', incarnation: 3, cause: 'intensity', restartsInWindow: 2, maxRestarts: 2, withinMs: 60_000 });
    expect(serialised(rec.all)).not.toContain(SECRET);
  });

  it('ESCALATED and TASK_FINISHED arrive the same way', async () => {
    const rec = recorder();
    const { sup, cw } = await startSupervisor({
      inspect: rec.inspect,
      restart: { backoff: { minMs: 1, maxMs: 1, jitter: 'none' }, intensity: { maxRestarts: 1, withinMs: 60_000 }, onIntensityExceeded: 'escalate' },
    });
    current = sup;
    await sup.add({ id: 'once', restart: { type: 'temporary' } });
    (await cw.nextInstance('once', 0)).resolve();
    await sup.waitFor('once', 'cleaned');
    await sup.add({ id: 'a', credentials: SECRET });
    (await cw.nextInstance('a', 0)).reject(new Error('crash 1'));
    (await cw.nextInstance('a', 1)).reject(new Error('crash 2'));
    await sup.done;
    const events = rec.rootEvents(sup);
    expect(events.find((e) => e.event.type === 'TASK_FINISHED')?.event).toMatchObject({ accountId: 'once', incarnation: 1, reason: 'completed' });
    const escalated = events.find((e) => e.event.type === 'ESCALATED');
    expect(escalated?.event).toMatchObject({ accountId: 'a', incarnation: 2, restartsInWindow: 1, maxRestarts: 1 });
    expect(escalated?.sourceRef).toBe(sup.actor);
    expect(serialised(rec.all)).not.toContain(SECRET);
  });
});
