/** Admission control's metrics on the control API: starts waiting, starting, admitted and dropped. */
import { pino } from 'pino';
import { afterEach, expect, it } from 'vitest';
import { createControlApi, type ControlApi } from '../../src/api/index.js';
import { createSupervisor, type Supervisor } from '../../src/createSupervisor.js';
import { memoryStore } from '../../src/persistence/memoryStore.js';

const silent = pino({ level: 'silent' });
const TOKEN = 'admission-metrics-token-0123456789';
let supervisor: Supervisor | undefined;
let api: ControlApi | undefined;
afterEach(async () => {
  await supervisor?.shutdown({ timeoutMs: 3_000 });
  await api?.close({ timeoutMs: 2_000 });
});

function metric(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

it('exposes starts waiting, starting, admitted and dropped; none of them without admission control', async () => {
  supervisor = createSupervisor({
    store: memoryStore(),
    logger: silent,
    admission: { startsPerSecond: 0.5, burst: 1 },
    worker: ({ signal }) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
  });
  await supervisor.start();
  for (const id of ['a', 'b', 'c', 'd']) await supervisor.add({ id });
  await supervisor.waitFor('a', 'running');
  await supervisor.disable('d');
  api = await createControlApi({ supervisor, port: 0, token: TOKEN, logger: silent });
  const res = await fetch(`${api.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
  const text = await res.text();
  expect(metric(text, 'statevisor_admission_waiting')).toBe(2);
  expect(metric(text, 'statevisor_admission_starting')).toBe(0);
  expect(metric(text, 'statevisor_admission_admitted_total')).toBe(1);
  expect(metric(text, 'statevisor_admission_dropped_total')).toBe(1);
  expect(text).toContain('# TYPE statevisor_admission_admitted_total counter');

  await supervisor.shutdown({ timeoutMs: 3_000 });
  await api.close({ timeoutMs: 2_000 });
  supervisor = createSupervisor({ store: memoryStore(), logger: silent, worker: async () => {} });
  await supervisor.start();
  api = await createControlApi({ supervisor, port: 0, token: TOKEN, logger: silent });
  const off = await (await fetch(`${api.url}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } })).text();
  expect(off).not.toContain('statevisor_admission_');
});
