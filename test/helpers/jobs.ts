import { pino } from 'pino';
import { TrackedJobs } from '../../src/worker/accountJobs.js';
import { createJobRunner } from '../../src/jobs/index.js';
import type { ScopeLimits } from '../../src/jobs/types.js';

const runner = createJobRunner({ logger: pino({ level: 'silent' }) });
let next = 0;

/** A fresh `ctx.jobs` for a hand-made WorkerContext or WorkerHandle, as the supervisor would give one task. */
export function testJobs(limits: ScopeLimits = { lanes: { reply: 1 } }): TrackedJobs {
  const owner = `test-${++next}`;
  return new TrackedJobs(() => runner.scope(owner, { limits }));
}
