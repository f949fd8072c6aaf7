import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { createSupervisor, memoryStore, type Worker } from '../../src/index.js';
import { taskLogEnabled } from '../../src/logging/redaction.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level }, stream) };
}

/** Counts the child loggers made from `logger` and from its children, at any depth. */
function countChildren(logger: Logger): { made: () => number } {
  type WithChild = { child: (...args: unknown[]) => WithChild };
  let made = 0;
  const wrap = (l: WithChild): WithChild => {
    const child = l.child.bind(l);
    l.child = (...args) => {
      made += 1;
      return wrap(child(...args));
    };
    return l;
  };
  wrap(logger as unknown as WithChild);
  return { made: () => made };
}

const failing: Worker = async () => {
  throw Object.assign(new Error('platform said no'), { code: 'NOPE', retryable: false });
};

describe('task loggers are made only when a line would be written', () => {
  it('taskLogEnabled answers for the level of the task loggers of a parent', () => {
    expect(taskLogEnabled(pino({ level: 'silent' }), 'warn')).toBe(false);
    expect(taskLogEnabled(pino({ level: 'error' }), 'warn')).toBe(false);
    expect(taskLogEnabled(pino({ level: 'warn' }), 'warn')).toBe(true);
    expect(taskLogEnabled(pino({ level: 'info' }), 'debug')).toBe(false);
  });

  it('a failing task under a logger that drops warnings makes no task logger; at warn it makes one and writes the failure', async () => {
    for (const level of ['error', 'warn']) {
      const { lines, logger } = capture(level);
      const children = countChildren(logger);
      const sup = createSupervisor({ worker: failing, logger, store: memoryStore() });
      await sup.start();
      const madeBefore = children.made(); // the supervisor's own logger and the redacting parent
      await sup.add({ id: 'a' });
      await sup.waitFor('a', 'suspended');
      const taskLoggers = children.made() - madeBefore;
      const failure = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('account a task failed'));
      await sup.shutdown();
      if (level === 'error') {
        expect(taskLoggers).toBe(0);
        expect(failure).toEqual([]);
      } else {
        expect(taskLoggers).toBeGreaterThanOrEqual(1);
        expect(failure).toEqual([expect.objectContaining({ accountId: 'a', incarnation: 1, msg: 'account a task failed: platform said no' })]);
      }
    }
  });
});
