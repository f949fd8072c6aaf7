import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createSupervisor, memoryStore, type Worker } from '../../src/index.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, stream) };
}

describe('logs', () => {
  it('bind accountId and incarnation per task, and never carry credentials, cookies, tokens or passwords', async () => {
    const { lines, logger } = capture();
    const worker: Worker = async ({ account, log, signal }) => {
      log.info({ account }, 'got account');
      log.info({ credentials: account.credentials, token: 'tok-123', cookie: 'sid=abc', password: 'hunter2' }, 'secrets at the top level');
      log.info({ session: { token: 'tok-456', cookie: 'sid=def', password: 'pw-2' } }, 'secrets one level down');
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    };
    const sup = createSupervisor({ worker, logger, store: memoryStore() });
    await sup.start();
    await sup.add({ id: 'acct-1', credentials: 'sk-live-SECRET' });
    await sup.waitFor('acct-1', 'running');
    await sup.shutdown();
    const text = lines.join('\n');
    for (const secret of ['sk-live-SECRET', 'tok-123', 'sid=abc', 'hunter2', 'tok-456', 'sid=def', 'pw-2']) {
      expect(text).not.toContain(secret);
    }
    const taskLines = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'got account');
    expect(taskLines).toEqual([expect.objectContaining({ accountId: 'acct-1', incarnation: 1, account: expect.objectContaining({ credentials: '[redacted]' }) })]);
    expect(text).toContain('[redacted]');
  });
});
