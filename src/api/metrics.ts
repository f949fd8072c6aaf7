import type { AccountState, AccountStatus } from '../account.js';
import type { AdmissionStats } from '../admission/admissionGate.js';
import type { Supervisor } from '../createSupervisor.js';
import { sampleEventLoopDelay, type EventLoopDelayOptions, type EventLoopDelaySampler } from './eventLoopDelay.js';
import type { StoreWriteLatency } from './instrumentStore.js';
import { processMetrics } from './processMetrics.js';
import { family, sample, type Labels } from './prometheus.js';

/** Every account state, so each appears in `statevisor_accounts` even at 0. */
export const ACCOUNT_STATES: readonly AccountState[] = ['loading', 'running', 'cancelling', 'failed', 'cleaned', 'backoff', 'suspended', 'disabled'];

/** Distinct failure codes kept as labels; further codes count under `code="other"` (codes come from workers). */
export const MAX_FAILURE_CODES = 50;

/** What the collector reads besides the status model. */
export interface MetricsSources {
  supervisor: Supervisor;
  writeLatency?: StoreWriteLatency | undefined;
  /** Live-stream clients now, and cut off for being too slow so far. */
  stream?: () => { clients: number; cut: number };
  /** The event-loop sampler's resolution and window. Default {@link EVENT_LOOP_DELAY_DEFAULTS}. */
  eventLoop?: EventLoopDelayOptions;
  /** More families, appended as given (cluster mode: the node's `statevisor_cluster_*`). */
  extra?: (() => string) | undefined;
}

/** A running metrics collector: `render()` for `GET /metrics`, `stop()` to release its listener and monitor. */
export interface MetricsCollector {
  render(): string;
  stop(): void;
}

interface Seen {
  state: AccountState;
  incarnation: number;
  restarts: number;
  leaked: boolean;
}

/**
 * Collects the metrics `GET /metrics` serves, from the status read model only (never the
 * machines): gauges computed from `supervisor.list()` at scrape time, counters kept from the
 * model's `changed` events (a task entering `failed`, by error code; a worker becoming leaked,
 * that is, force-stopped; restarts), the event-loop delay (a summary over the last minute, see
 * `sampleEventLoopDelay`), the standard process metrics (`processMetrics`), and store write
 * latency if an instrumented store's `writeLatency` is given. The change listener is O(1) and
 * never throws into the supervisor. Rendering changes nothing: any number of scrapers (two
 * Prometheus servers, a person with curl) each see the same counters and the same window.
 *
 * @example
 * ```ts
 * const metrics = createMetricsCollector({ supervisor });
 * res.end(metrics.render());
 * metrics.stop();
 * ```
 */
export function createMetricsCollector(sources: MetricsSources): MetricsCollector {
  const counters = new ChangeCounters();
  const sub = sources.supervisor.statusModel.on('changed', (change) => {
    try {
      counters.onChange(change.id, change.status);
    } catch {
      // Metrics must never break the supervisor's publish.
    }
  });
  const loop = sampleEventLoopDelay(sources.eventLoop);
  return {
    render: () => render(sources, counters, loop),
    stop: () => {
      sub.unsubscribe();
      loop.stop();
    },
  };
}

class ChangeCounters {
  readonly seen = new Map<string, Seen>();
  readonly failures = new Map<string, number>();
  restarts = 0;
  forcedStops = 0;

  onChange(id: string, status: AccountStatus | undefined): void {
    const prev = this.seen.get(id);
    if (!status) {
      this.seen.delete(id);
      return;
    }
    const leaked = status.leaked === true;
    if (status.state === 'failed' && !(prev?.state === 'failed' && prev.incarnation === status.incarnation)) this.countFailure(status.lastError?.code);
    if (leaked && !prev?.leaked) this.forcedStops += 1;
    if (prev && status.restarts > prev.restarts) this.restarts += status.restarts - prev.restarts;
    this.seen.set(id, { state: status.state, incarnation: status.incarnation, restarts: status.restarts, leaked });
  }

  private countFailure(code: string | undefined): void {
    let key = code ?? 'none';
    if (!this.failures.has(key) && this.failures.size >= MAX_FAILURE_CODES) key = 'other';
    this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
  }
}

function render(sources: MetricsSources, counters: ChangeCounters, loop: EventLoopDelaySampler): string {
  const byState = new Map<AccountState, number>(ACCOUNT_STATES.map((s) => [s, 0]));
  const suspended = new Map<string, number>([['intensity', 0], ['nonRetryable', 0]]);
  let leaked = 0;
  for (const s of sources.supervisor.list()) {
    byState.set(s.state, (byState.get(s.state) ?? 0) + 1);
    if (s.state === 'suspended') suspended.set(s.suspendedBecause ?? 'intensity', (suspended.get(s.suspendedBecause ?? 'intensity') ?? 0) + 1);
    if (s.leaked) leaked += 1;
  }
  const running = sources.supervisor.actor.getSnapshot().value === 'running' ? 1 : 0;
  let out = family('statevisor_up', 'gauge', 'Whether the supervisor is running (1) or starting, shutting down or stopped (0).', [[{}, running]]);
  out += family('statevisor_accounts', 'gauge', 'Accounts by status state.', labelled('state', byState));
  out += family('statevisor_accounts_suspended', 'gauge', 'Suspended accounts by cause.', labelled('cause', suspended));
  out += family('statevisor_restarts_total', 'counter', 'Restarts made by the supervisor (not by commands) since the API started.', [[{}, counters.restarts]]);
  out += family('statevisor_task_failures_total', 'counter', 'Account tasks that entered the failed state, by error code.', labelled('code', counters.failures));
  out += family('statevisor_forced_stops_total', 'counter', 'Workers that ignored cancellation past their deadline (force-stopped, then leaked).', [[{}, counters.forcedStops]]);
  out += family('statevisor_workers_leaked', 'gauge', 'Accounts whose force-stopped worker is still alive.', [[{}, leaked]]);
  const admission = sources.supervisor.admission();
  if (admission) out += admissionFamilies(admission);
  out += eventLoop(loop);
  if (sources.writeLatency) out += sources.writeLatency.render();
  if (sources.stream) out += streamFamilies(sources.stream());
  if (sources.extra) out += sources.extra();
  out += processMetrics();
  return out;
}

function admissionFamilies(a: AdmissionStats): string {
  return (
    family('statevisor_admission_waiting', 'gauge', 'Account starts waiting for their turn under admission control.', [[{}, a.waiting]]) +
    family('statevisor_admission_starting', 'gauge', 'Admitted starts whose task is not running yet (bounded by maxStarting).', [[{}, a.starting]]) +
    family('statevisor_admission_admitted_total', 'counter', 'Starts admitted since the supervisor was created (rate() gives admitted per second).', [[{}, a.admittedTotal]]) +
    family('statevisor_admission_dropped_total', 'counter', 'Starts dropped while waiting: cancelled by a command, or at shutdown.', [[{}, a.droppedTotal]])
  );
}

function labelled(name: string, values: ReadonlyMap<string, number>): [Labels, number][] {
  return [...values].map(([value, n]) => [{ [name]: value }, n]);
}

function eventLoop(loop: EventLoopDelaySampler): string {
  const reading = loop.read();
  const name = 'statevisor_event_loop_delay_seconds';
  let out = `# HELP ${name} How late the event loop ran a timer due every few milliseconds: quantiles over the last minute, sum and count since start.\n# TYPE ${name} summary\n`;
  for (const [q, seconds] of reading.quantiles) out += sample(name, { quantile: String(q) }, seconds);
  out += sample(`${name}_sum`, {}, reading.sumSeconds);
  out += sample(`${name}_count`, {}, reading.count);
  return out + family('statevisor_event_loop_delay_max_seconds', 'gauge', 'Largest event-loop delay over the last minute.', [[{}, reading.maxSeconds]]);
}

function streamFamilies(stream: { clients: number; cut: number }): string {
  return (
    family('statevisor_api_stream_clients', 'gauge', 'Clients connected to GET /v1/events.', [[{}, stream.clients]]) +
    family('statevisor_api_stream_cut_total', 'counter', 'Live-stream clients disconnected for reading too slowly.', [[{}, stream.cut]])
  );
}
