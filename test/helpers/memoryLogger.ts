import { pino, type Logger } from 'pino';

/** One log line as pino wrote it, parsed. */
export type LogLine = Record<string, unknown> & { level: number; msg: string };

/**
 * A real pino logger writing to memory: every line it writes is kept, parsed, in `lines` (no
 * timestamp, no pid or hostname).
 *
 * @example
 * ```ts
 * const { logger, lines } = memoryLogger();
 * logger.warn({ accountId: 'a' }, 'careful');
 * lines[0]; // { level: 40, accountId: 'a', msg: 'careful' }
 * ```
 */
export function memoryLogger(level = 'debug'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level, base: undefined, timestamp: false }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}
