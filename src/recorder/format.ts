/** Options shared by the recorder's formatters. */
export interface FormatOptions {
  /** IANA time zone for clock times; default the machine's own. Tests pass `'UTC'`. */
  timeZone?: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string | undefined, withDate: boolean): Intl.DateTimeFormat {
  const key = `${timeZone ?? ''}|${String(withDate)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      ...(withDate ? { year: 'numeric', month: '2-digit', day: '2-digit' } : {}),
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      ...(timeZone ? { timeZone } : {}),
    });
    formatters.set(key, f);
  }
  return f;
}

/**
 * A clock time, `10:42:07`.
 *
 * @example
 * ```ts
 * clockTime(Date.UTC(2026, 11, 2, 10, 42, 7), { timeZone: 'UTC' }); // '10:42:07'
 * ```
 */
export function clockTime(at: number, options: FormatOptions = {}): string {
  return formatter(options.timeZone, false).format(at);
}

/**
 * A date and time with milliseconds, `2026-12-02 10:42:07.123`.
 *
 * @example
 * ```ts
 * dateTime(Date.UTC(2026, 11, 2, 10, 42, 7, 123), { timeZone: 'UTC' }); // '2026-12-02 10:42:07.123'
 * ```
 */
export function dateTime(at: number, options: FormatOptions = {}): string {
  const parts = formatter(options.timeZone, true).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}.${String(new Date(at).getUTCMilliseconds()).padStart(3, '0')}`;
}

/**
 * A duration a person reads at a glance: `850 ms`, `4.2 s`, `45 s`, `15 min`, `2 h 30 min`.
 *
 * @example
 * ```ts
 * duration(900_000); // '15 min'
 * ```
 */
export function duration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(Math.round(ms / 100) / 10).toString()} s`;
  if (ms < 120_000) return `${Math.round(ms / 1_000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  const h = Math.floor(ms / 3_600_000);
  const min = Math.round((ms % 3_600_000) / 60_000);
  return min === 0 ? `${h} h` : `${h} h ${min} min`;
}
