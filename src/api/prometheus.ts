/**
 * Just enough of the Prometheus text exposition format (version 0.0.4) for statevisor's metrics:
 * `# HELP`, `# TYPE`, samples with escaped labels, and cumulative histograms.
 */

/** The `Content-Type` of a Prometheus text response. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Labels of one sample. */
export type Labels = Readonly<Record<string, string>>;

/**
 * Writes one metric family: its HELP and TYPE lines, then one line per sample.
 *
 * @example
 * ```ts
 * family('statevisor_accounts', 'gauge', 'Accounts by state.', [[{ state: 'running' }, 3]]);
 * // '# HELP statevisor_accounts Accounts by state.\n# TYPE statevisor_accounts gauge\nstatevisor_accounts{state="running"} 3\n'
 * ```
 */
export function family(name: string, type: 'gauge' | 'counter' | 'histogram' | 'summary', help: string, samples: readonly (readonly [Labels, number])[]): string {
  let out = `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
  for (const [labels, value] of samples) out += sample(name, labels, value);
  return out;
}

/**
 * One sample line, `name{labels} value`.
 *
 * @example
 * ```ts
 * sample('statevisor_up', {}, 1); // 'statevisor_up 1\n'
 * ```
 */
export function sample(name: string, labels: Labels, value: number): string {
  const entries = Object.entries(labels);
  const rendered = entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
  return `${name}${rendered} ${formatValue(value)}\n`;
}

/**
 * Escapes a label value: backslash, double quote and newline.
 *
 * @example
 * ```ts
 * escapeLabel('a"b'); // 'a\\"b'
 * ```
 */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/**
 * A cumulative histogram (one label set per instance), observed in seconds.
 *
 * @example
 * ```ts
 * const h = new Histogram([0.01, 0.1, 1]);
 * h.observe(0.05);
 * h.render('op_seconds', { op: 'put' }); // _bucket lines, _sum, _count
 * ```
 */
export class Histogram {
  readonly #bounds: readonly number[];
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.#counts = bounds.map(() => 0);
  }

  observe(seconds: number): void {
    this.#sum += seconds;
    this.#count += 1;
    for (let i = 0; i < this.#bounds.length; i += 1) if (seconds <= this.#bounds[i]!) this.#counts[i]! += 1;
  }

  get count(): number {
    return this.#count;
  }

  /** The sample lines (no HELP/TYPE) of this histogram with `labels`. */
  render(name: string, labels: Labels): string {
    let out = '';
    this.#bounds.forEach((bound, i) => (out += sample(`${name}_bucket`, { ...labels, le: String(bound) }, this.#counts[i]!)));
    out += sample(`${name}_bucket`, { ...labels, le: '+Inf' }, this.#count);
    out += sample(`${name}_sum`, labels, this.#sum);
    out += sample(`${name}_count`, labels, this.#count);
    return out;
  }
}
