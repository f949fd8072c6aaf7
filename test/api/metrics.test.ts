/**
 * GET /metrics as Prometheus reads it: `promtool check metrics` (Debian's prometheus 2.42; see
 * .ci/setup.d/30-promtool.sh) accepts it, the event-loop delay does not contain the sampling
 * resolution, scrapes change nothing (two scrapers see the same window), and the standard process
 * metrics are there with plausible values.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createControlApi, instrumentStore, type ControlApi } from '../../src/api/index.js';
import { sampleEventLoopDelay, type EventLoopDelaySampler } from '../../src/api/eventLoopDelay.js';
import { createMetricsCollector, type MetricsCollector } from '../../src/api/metrics.js';
import { createSupervisor, memoryStore, type Supervisor } from '../../src/index.js';
import { PROMTOOL, promtoolCheck } from '../helpers/promtool.js';
import { call, cooperativeWorker, send, silent, TOKEN } from './helpers.js';

let supervisor: Supervisor | undefined;
let api: ControlApi | undefined;
let collector: MetricsCollector | undefined;
let sampler: EventLoopDelaySampler | undefined;
afterEach(async () => {
  collector?.stop();
  sampler?.stop();
  await api?.close({ timeoutMs: 2_000 });
  await supervisor?.shutdown({ timeoutMs: 2_000 });
  supervisor = api = collector = sampler = undefined;
});

function blockLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // Busy on purpose: the event loop is blocked for `ms`.
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function value(text: string, line: RegExp): number {
  const match = line.exec(text);
  if (!match) throw new Error(`no sample matching ${String(line)} in:\n${text}`);
  return Number(match[1]);
}

describe('GET /metrics through promtool', () => {
  it('passes `promtool check metrics` with accounts failing, suspended and running, and store latency', async () => {
    expect(PROMTOOL, 'promtool is not installed: run .ci/setup.d/30-promtool.sh (it extracts promtool from Debian’s prometheus package)').not.toBe('');
    const store = instrumentStore(memoryStore());
    supervisor = createSupervisor({
      workerFor: (account) =>
        account.id === 'banned'
          ? async () => {
              throw Object.assign(new Error('banned'), { code: 'BANNED', retryable: false });
            }
          : cooperativeWorker().worker,
      store,
      logger: silent,
      cancelTimeoutMs: 200,
    });
    await supervisor.start();
    api = await createControlApi({ supervisor, port: 0, token: TOKEN, logger: silent, writeLatency: store.writeLatency });
    await send(api.url, 'POST', '/v1/accounts', { id: 'ok' });
    await send(api.url, 'POST', '/v1/accounts', { id: 'banned' });
    await supervisor.waitFor('banned', 'suspended');
    await supervisor.waitFor('ok', 'running');
    await sleep(50); // a few event-loop samples
    const text = (await call(api.url, '/metrics')).text;
    const { code, output } = await promtoolCheck(text);
    expect(output).toBe('');
    expect(code).toBe(0);
    expect(text).toContain('# TYPE statevisor_event_loop_delay_seconds summary');
    expect(text).toMatch(/^statevisor_event_loop_delay_seconds_count \d+$/m);

    // promtool does catch what the issue reported (a quantile label on a gauge): the check is real.
    const broken = text.replace('# TYPE statevisor_event_loop_delay_seconds summary', '# TYPE statevisor_event_loop_delay_seconds gauge');
    const rejected = await promtoolCheck(broken);
    expect(rejected.output).toContain('non-summary metrics should not have "quantile" label');
  });
});

describe('event-loop delay', () => {
  it('an idle loop reads far below the sampling resolution; a blocked one reads the block', async () => {
    sampler = sampleEventLoopDelay({ resolutionMs: 20 });
    await sleep(400);
    const idle = sampler.read();
    expect(idle.count).toBeGreaterThanOrEqual(5);
    // monitorEventLoopDelay({ resolution: 20 }) reads about 0.020 here; the lateness alone is a few ms
    // at most, even on a loaded machine.
    expect(idle.quantiles.get(0.5)).toBeLessThan(0.01);
    blockLoop(150);
    await sleep(50);
    const blocked = sampler.read();
    expect(blocked.maxSeconds).toBeGreaterThanOrEqual(0.12);
    expect(blocked.maxSeconds).toBeLessThan(2);
    expect(blocked.sumSeconds).toBeGreaterThanOrEqual(0.12);
  });

  it('the window slides with time: a block drops out of the quantiles and the maximum', async () => {
    sampler = sampleEventLoopDelay({ resolutionMs: 5, windowMs: 300, buckets: 3 });
    await sleep(20);
    blockLoop(120);
    await sleep(20);
    expect(sampler.read().maxSeconds).toBeGreaterThanOrEqual(0.09);
    await sleep(700);
    const later = sampler.read();
    expect(later.maxSeconds).toBeLessThan(0.09);
    // The sum and count are cumulative: the block stays counted in the summary's _sum.
    expect(later.sumSeconds).toBeGreaterThanOrEqual(0.09);
  });

  it('two scrapers do not steal each other’s window: a scrape resets nothing', async () => {
    supervisor = createSupervisor({ worker: cooperativeWorker().worker, store: memoryStore(), logger: silent });
    await supervisor.start();
    collector = createMetricsCollector({ supervisor });
    await sleep(30);
    blockLoop(120);
    await sleep(30);
    const first = collector.render(); // Prometheus server A
    const second = collector.render(); // Prometheus server B, right after
    const max = /^statevisor_event_loop_delay_max_seconds ([\d.e-]+)$/m;
    expect(value(first, max)).toBeGreaterThanOrEqual(0.09);
    expect(value(second, max)).toBe(value(first, max));
    const p99 = /^statevisor_event_loop_delay_seconds\{quantile="0.99"\} ([\d.e-]+)$/m;
    expect(value(second, p99)).toBe(value(first, p99));
    const count = /^statevisor_event_loop_delay_seconds_count (\d+)$/m;
    expect(value(second, count)).toBeGreaterThanOrEqual(value(first, count));
  });
});

describe('process metrics', () => {
  it('reports CPU seconds, resident memory, heap, open and maximum fds and the start time under the standard names', async () => {
    supervisor = createSupervisor({ worker: cooperativeWorker().worker, store: memoryStore(), logger: silent });
    await supervisor.start();
    collector = createMetricsCollector({ supervisor });
    const before = collector.render();
    blockLoop(60); // CPU time the counter must see
    const text = collector.render();
    expect(value(text, /^process_cpu_seconds_total ([\d.e-]+)$/m)).toBeGreaterThan(value(before, /^process_cpu_seconds_total ([\d.e-]+)$/m));
    expect(value(text, /^process_cpu_user_seconds_total ([\d.e-]+)$/m)).toBeGreaterThan(0);
    expect(value(text, /^process_resident_memory_bytes (\d+)$/m)).toBeGreaterThan(10 * 1_048_576);
    expect(value(text, /^nodejs_heap_size_used_bytes (\d+)$/m)).toBeGreaterThan(1_048_576);
    expect(value(text, /^nodejs_heap_size_total_bytes (\d+)$/m)).toBeGreaterThanOrEqual(value(text, /^nodejs_heap_size_used_bytes (\d+)$/m));
    const startedAt = value(text, /^process_start_time_seconds ([\d.]+)$/m);
    expect(startedAt).toBeLessThanOrEqual(Date.now() / 1e3);
    expect(startedAt).toBeGreaterThan(Date.now() / 1e3 - process.uptime() - 5);
    const fds = value(text, /^process_open_fds (\d+)$/m);
    expect(fds).toBeGreaterThan(2);
    expect(value(text, /^process_max_fds (\d+)$/m)).toBeGreaterThan(fds);
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
  });
});
