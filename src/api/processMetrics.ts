import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { family } from './prometheus.js';

/**
 * The standard process metrics, under the names every Prometheus client library uses (so stock
 * dashboards and alerts work): CPU seconds, resident memory, open and maximum file descriptors,
 * start time; plus the V8 heap under the `nodejs_` names prom-client uses. File descriptors are
 * read from `/proc/self` and omitted where it does not exist (not Linux).
 *
 * @example
 * ```ts
 * res.end(processMetrics()); // '# HELP process_cpu_user_seconds_total …'
 * ```
 */
export function processMetrics(): string {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  let out = family('process_cpu_user_seconds_total', 'counter', 'User CPU time spent, in seconds.', [[{}, cpu.user / 1e6]]);
  out += family('process_cpu_system_seconds_total', 'counter', 'System CPU time spent, in seconds.', [[{}, cpu.system / 1e6]]);
  out += family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent, in seconds.', [[{}, (cpu.user + cpu.system) / 1e6]]);
  out += family('process_resident_memory_bytes', 'gauge', 'Resident memory size, in bytes.', [[{}, memory.rss]]);
  out += family('process_start_time_seconds', 'gauge', 'Start time of the process since the Unix epoch, in seconds.', [[{}, Math.round(performance.timeOrigin) / 1e3]]);
  const fds = openFds();
  if (fds !== undefined) out += family('process_open_fds', 'gauge', 'Open file descriptors.', [[{}, fds]]);
  const maxFds = (maxFdsRead ??= { value: readMaxFds() }).value;
  if (maxFds !== undefined) out += family('process_max_fds', 'gauge', 'Maximum number of open file descriptors (soft limit).', [[{}, maxFds]]);
  out += family('nodejs_heap_size_total_bytes', 'gauge', 'V8 heap size, in bytes.', [[{}, memory.heapTotal]]);
  out += family('nodejs_heap_size_used_bytes', 'gauge', 'V8 heap used, in bytes.', [[{}, memory.heapUsed]]);
  out += family('nodejs_external_memory_bytes', 'gauge', 'Memory of C++ objects bound to JavaScript objects (buffers included), in bytes.', [[{}, memory.external]]);
  return out;
}

function openFds(): number | undefined {
  try {
    // readdir opens one descriptor of its own to list the directory: not the process's.
    return readdirSync('/proc/self/fd').length - 1;
  } catch {
    return undefined;
  }
}

/** The soft limit, read at the first scrape: it does not change under a running process in practice. */
let maxFdsRead: { value: number | undefined } | undefined;

function readMaxFds(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line ? Number(line.split(/\s{2,}/)[1]) : NaN;
    return Number.isFinite(soft) ? soft : undefined;
  } catch {
    return undefined;
  }
}
