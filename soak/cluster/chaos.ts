/**
 * The cluster chaos soak: real node processes against PostgreSQL and the simulator process, with
 * random kills (-9), pauses (SIGSTOP for up to twice the lease, then SIGCONT), clean leaves
 * (SIGTERM) and joins. After each action it checks two things, each counted passed or failed:
 * the cluster converged (every account runs exactly once, shards where rendezvous hashing puts
 * them) within a bound, and the ground truth holds (no violation, maxConcurrent ≤ 1, no stale
 * frame, no duplicate reply).
 */
import { TestCluster, TIMINGS, waitFor } from './harness.js';

export interface ChaosResult {
  passed: number;
  failed: number;
  failures: string[];
  actions: string[];
}

/** mulberry32: a seeded PRNG, so a failing run can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs chaos for about `durationMs` (the action in flight is finished) and closes everything it started.
 * @example
 * ```ts
 * const r = await runClusterChaos({ durationMs: 60_000, accounts: 50, seed: 1 });
 * console.log(`${r.passed} passed, ${r.failed} failed`);
 * ```
 */
export async function runClusterChaos(o: { durationMs: number; accounts: number; seed: number; log?: (line: string) => void }): Promise<ChaosResult> {
  const log = o.log ?? (() => {});
  const random = prng(o.seed);
  const result: ChaosResult = { passed: 0, failed: 0, failures: [], actions: [] };
  const cluster = new TestCluster();
  const live: string[] = [];
  let next = 1;
  const join = async () => {
    const id = `n${next++}`;
    await cluster.startNode(id);
    live.push(id);
    return id;
  };
  const pick = () => live[Math.floor(random() * live.length)]!;
  const check = async (what: string) => {
    const bound = TIMINGS.leaseMs + TIMINGS.renewMs + TIMINGS.handoverMarginMs + 40_000;
    try {
      await waitFor(async () => (await cluster.balanced(live)) && (await cluster.allLiveOnce()), bound, `convergence after ${what}`);
      result.passed++;
    } catch (e) {
      result.failed++;
      result.failures.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const broken = await cluster.broken();
    if (broken.length === 0) result.passed++;
    else {
      result.failed++;
      result.failures.push(`${what}: ${broken.slice(0, 5).join('; ')}`);
    }
    log(`${what}: ${result.passed} passed, ${result.failed} failed`);
  };
  try {
    await cluster.open(o.accounts);
    await Promise.all([join(), join(), join()]);
    await check('start of three nodes');
    const end = Date.now() + o.durationMs;
    while (Date.now() < end) {
      const r = random();
      let what: string;
      if (live.length < 2 || (live.length < 4 && r < 0.25)) {
        what = `join ${await join()}`;
      } else if (r < 0.5 && live.length > 2) {
        const id = pick();
        cluster.nodes.get(id)!.signal('SIGKILL');
        live.splice(live.indexOf(id), 1);
        what = `kill -9 ${id}`;
      } else if (r < 0.75) {
        const id = pick();
        const pauseMs = Math.round(500 + random() * 2 * TIMINGS.leaseMs);
        cluster.nodes.get(id)!.signal('SIGSTOP');
        await sleep(pauseMs);
        cluster.nodes.get(id)!.signal('SIGCONT');
        what = `SIGSTOP ${id} for ${pauseMs} ms`;
      } else if (live.length > 2) {
        const id = pick();
        const node = cluster.nodes.get(id)!;
        node.signal('SIGTERM');
        live.splice(live.indexOf(id), 1);
        const code = await node.exited;
        what = `SIGTERM ${id} (exit ${code})`;
        if (code !== 0) {
          result.failed++;
          result.failures.push(`${what}: exit code ${code}`);
        }
      } else {
        what = `join ${await join()}`;
      }
      result.actions.push(what);
      await check(what);
    }
  } finally {
    await cluster.close();
  }
  return result;
}
