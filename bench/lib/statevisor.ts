/**
 * The statevisor the bench measures: by default `src/` compiled by tsc (`compile.ts`; `bench/run.ts`
 * passes its entry to every child in `STATEVISOR_BENCH_ENTRY`), or `src/` through tsx with
 * `--tsx` or when a scenario runs on its own.
 */
type Statevisor = typeof import('../../src/index.js');

const entry = process.env.STATEVISOR_BENCH_ENTRY;

export const target: 'compiled' | 'tsx' = entry ? 'compiled' : 'tsx';

export const statevisor: Statevisor = entry ? ((await import(entry)) as Statevisor) : await import('../../src/index.js');
