/**
 * `npm run bench`: every statevisor benchmark in one command (issue 7).
 *
 *   npx tsx bench/run.ts            full run (1k/10k/100k accounts; about 15 minutes on 2 cores)
 *   npx tsx bench/run.ts --quick    a few minutes (1k/10k; 2k for commands, storm, inspection; time-scaled storm; fewer repetitions)
 *   npx tsx bench/run.ts --smoke    seconds, tiny N: checks the bench itself runs (test/bench/quick.test.ts)
 *   npx tsx bench/run.ts --compare a.md b.md    two reports side by side (bench/compare.ts)
 *   options: --only=start,restart,commands,storm,sessions,store,jobs,offload,inspection,recorder,cluster,simulation   --out=<file>   --no-write
 *            --tsx    measure src/ through tsx instead of compiling it with tsc first (see bench/lib/compile.ts)
 *
 * Prints a markdown report (machine description with the commit measured, targets with goal,
 * baseline, ratio and PASS/MISS, one section per scenario) on stdout, progress on stderr. Where it
 * is written (see {@link defaultOut}): only a complete full run writes `bench/results/latest.md`,
 * the committed report the README cites; `--quick` writes `bench/results/quick.md`, a full run
 * with `--only` writes `bench/results/partial.md`, `--smoke` writes nothing. `--out` elsewhere is
 * allowed, `--out=bench/results/latest.md` from anything but a complete full run is refused.
 * Each measurement runs in its own child process
 * (`node --expose-gc --import tsx`, see `bench/lib/spawn.ts`), so no node flag is needed here.
 * A missed target is printed, never fatal; a scenario that crashes is reported in its section and
 * the exit code is 1.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileStatevisor, type Compiled } from './lib/compile.js';
import { describeMachine, loadAverage } from './lib/machine.js';
import { runChild } from './lib/spawn.js';
import { jobsTarget, renderTargets, restartTargets, startTargets, stormTarget, type Target } from './lib/targets.js';
import { compareReports } from './compare.js';
import { renderRestartCycle, runRestartCycle } from './scenarios/restartCycle.js';
import { runCommands } from './scenarios/commands.js';
import { runInspection } from './scenarios/inspection.js';
import { renderShutdown, renderStart, runStartStop } from './scenarios/startStop.js';
import { runStorm } from './scenarios/storm.js';

type Mode = 'full' | 'quick' | 'smoke';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');

/** Every size and repetition count, per mode. */
const PLAN = {
  full: {
    startStop: { sizes: [1_000, 10_000, 100_000], reps: 5, warmup: 1_000, warmupRounds: 3 },
    restart: { sizes: [1_000, 10_000, 100_000], reps: 3 },
    commands: { n: 10_000, sequential: 1_000, reps: 3 },
    storm: { n: 10_000, minMs: 5_000, maxMs: 60_000, windowMs: 1_000, reps: 3 },
    inspection: { n: 10_000, reps: 3, warmup: 1_000 },
    externalTimeoutMs: 900_000,
  },
  quick: {
    startStop: { sizes: [1_000, 10_000], reps: 2, warmup: 300, warmupRounds: 2 },
    restart: { sizes: [1_000, 10_000], reps: 2 },
    commands: { n: 2_000, sequential: 200, reps: 1 },
    // Time scaled ×0.2 so that processing 2k failures takes about the same share of the backoff
    // window as 10k failures take of the default 5 s window (about a third on 2 cores).
    storm: { n: 2_000, minMs: 1_000, maxMs: 12_000, windowMs: 200, reps: 2 },
    inspection: { n: 2_000, reps: 1, warmup: 200 },
    externalTimeoutMs: 180_000,
  },
  smoke: {
    startStop: { sizes: [100], reps: 1, warmup: 20, warmupRounds: 1 },
    restart: { sizes: [100], reps: 1 },
    commands: { n: 50, sequential: 20, reps: 1 },
    storm: { n: 100, minMs: 50, maxMs: 600, windowMs: 10, reps: 1 },
    inspection: { n: 100, reps: 1, warmup: 0 },
    externalTimeoutMs: 0,
  },
} as const;

const SCENARIOS = ['start', 'restart', 'commands', 'storm', 'sessions', 'store', 'jobs', 'offload', 'inspection', 'recorder', 'cluster', 'simulation'] as const;
type Scenario = (typeof SCENARIOS)[number];

/** External bench modules: written by other people, loaded if they exist. */
const EXTERNAL = {
  sessions: { file: 'bench/scenarios/sessions.ts', exportName: 'runSessionsBench' },
  store: { file: 'bench/store.ts', exportName: 'runStoreBench' },
  recorder: { file: 'bench/scenarios/recorder.ts', exportName: 'runRecorderBench' },
  // Needs PostgreSQL on 127.0.0.1:5432 (says so instead of measuring without it); full: failover at default timings, 10k accounts.
  cluster: { file: 'bench/cluster.ts', exportName: 'runClusterBench' },
  // The README's what-if scenario (quick: 1,000 accounts): one thread and the default threads.
  simulation: { file: 'bench/simulation.ts', exportName: 'runSimulationBench' },
} as const;

/** The committed report: only a complete full run may write it. */
const LATEST = resolve(ROOT, 'bench/results/latest.md');

interface Args {
  mode: Mode;
  only: Set<Scenario>;
  out: string | undefined;
  tsx: boolean;
  /** `--compare a.md b.md`: print the two reports side by side and exit. */
  compare: [string, string] | undefined;
}

/**
 * Where a run's report goes unless `--out`/`--no-write` says otherwise: `latest.md` only for a
 * complete full run (every scenario), so a quicker or partial run can never replace the report
 * the README cites.
 */
export function defaultOut(mode: Mode, partial: boolean): string | undefined {
  if (mode === 'smoke') return undefined;
  if (mode === 'quick') return resolve(ROOT, 'bench/results/quick.md');
  return partial ? resolve(ROOT, 'bench/results/partial.md') : LATEST;
}

function parseArgs(argv: string[]): Args {
  const mode: Mode = argv.includes('--smoke') ? 'smoke' : argv.includes('--quick') ? 'quick' : 'full';
  const onlyArg = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const only = new Set<Scenario>(
    onlyArg
      ? onlyArg.split(',').map((s) => {
          const name = (s === 'shutdown' ? 'start' : s) as Scenario;
          if (!SCENARIOS.includes(name)) throw new Error(`unknown scenario "${s}"; known: ${SCENARIOS.join(', ')}`);
          return name;
        })
      : SCENARIOS,
  );
  const outArg = argv.find((a) => a.startsWith('--out='))?.slice('--out='.length);
  const partial = onlyArg !== undefined && only.size < SCENARIOS.length;
  const out = argv.includes('--no-write') ? undefined : outArg !== undefined ? resolve(outArg) : defaultOut(mode, partial);
  if (out === LATEST && (mode !== 'full' || partial)) {
    throw new Error(
      `refusing to write ${relative(process.cwd(), LATEST)} from a ${partial ? 'partial (--only)' : `--${mode}`} run: ` +
        'it holds the complete full run the README cites. Use another --out, or run `npm run bench` without --quick/--smoke/--only.',
    );
  }
  const at = argv.indexOf('--compare');
  const compare = at >= 0 ? ([argv[at + 1], argv[at + 2]] as [string, string]) : undefined;
  if (compare && (!compare[0] || !compare[1])) throw new Error('--compare needs two report files: --compare a.md b.md');
  return { mode, only, out, tsx: argv.includes('--tsx'), compare };
}

function progress(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function firstLine(err: unknown): string {
  return err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
}

async function external(name: keyof typeof EXTERNAL, mode: Mode, timeoutMs: number): Promise<string> {
  const { file, exportName } = EXTERNAL[name];
  if (!existsSync(resolve(ROOT, file))) return `Not yet measured: \`${file}\` does not exist.`;
  if (mode === 'smoke') return `Skipped in \`--smoke\` mode (\`${file}\` exists; \`--quick\` runs it).`;
  const markdown = await runChild('external', { file: resolve(ROOT, file), exportName, quick: mode !== 'full' }, timeoutMs);
  return markdown ?? `Not yet measured (\`${exportName}()\` in \`${file}\` returns nothing yet).`;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.compare) {
    process.stdout.write(await compareReports(args.compare[0], args.compare[1]));
    return 0;
  }
  let compiled: Compiled | undefined;
  if (args.tsx) delete process.env.STATEVISOR_BENCH_ENTRY;
  else {
    progress('compiling src/ with tsc…');
    compiled = await compileStatevisor(ROOT);
    if (compiled.diagnostics) progress(`tsc reported errors (output emitted anyway):\n${compiled.diagnostics}`);
    process.env.STATEVISOR_BENCH_ENTRY = compiled.entry; // inherited by every measuring child
  }
  try {
    return await measureAll(args, compiled);
  } finally {
    await compiled?.remove();
  }
}

async function measureAll(args: Args, compiled: Compiled | undefined): Promise<number> {
  const plan = PLAN[args.mode];
  const started = Date.now();
  const loadAtStart = loadAverage();
  const sections: string[] = [];
  const targets: Target[] = [];
  let failures = 0;
  const section = async (title: string, scenario: Scenario, body: () => Promise<string>): Promise<void> => {
    if (!args.only.has(scenario)) return;
    progress(`${title}…`);
    let text: string;
    try {
      text = await body();
    } catch (err) {
      failures += 1;
      progress(`${title} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      text = `⚠ **failed:** ${firstLine(err)}`;
    }
    sections.push(`## ${title}\n\n${text}\n`);
  };

  if (args.only.has('start')) {
    progress('1–2. Start and shutdown…');
    try {
      const summaries = await runStartStop({ ...plan.startStop, sizes: [...plan.startStop.sizes] }, progress);
      sections.push(`## 1. Start\n\n${renderStart(summaries, { ...plan.startStop, sizes: [...plan.startStop.sizes] })}\n`);
      sections.push(`## 2. Shutdown\n\n${renderShutdown(summaries, { ...plan.startStop, sizes: [...plan.startStop.sizes] })}\n`);
      targets.push(...startTargets(summaries, [...plan.startStop.sizes]));
      if (summaries.some((s) => s.errors.length > 0)) failures += 1;
    } catch (err) {
      failures += 1;
      sections.push(`## 1. Start\n\n⚠ **failed:** ${firstLine(err)}\n`, `## 2. Shutdown\n\n⚠ **failed:** see 1.\n`);
    }
  }
  await section('2b. Restart cycle (vs Effect)', 'restart', async () => {
    const summaries = await runRestartCycle({ ...plan.restart, sizes: [...plan.restart.sizes] }, progress);
    targets.push(
      ...restartTargets(
        plan.restart.sizes.map((n) => ({
          n,
          svUs: summaries.find((s) => s.n === n && s.contender === 'svBulk')?.us ?? NaN,
          effectUs: summaries.find((s) => s.n === n && s.contender === 'effectRetry')?.us ?? NaN,
          svCpuUs: summaries.find((s) => s.n === n && s.contender === 'svBulk')?.cpuUs,
          effectCpuUs: summaries.find((s) => s.n === n && s.contender === 'effectRetry')?.cpuUs,
        })),
      ),
    );
    if (summaries.some((s) => s.errors.length > 0)) throw new Error(summaries.flatMap((s) => s.errors)[0]);
    return renderRestartCycle(summaries, { ...plan.restart, sizes: [...plan.restart.sizes] });
  });
  await section('3. Commands', 'commands', () => runCommands(plan.commands, progress));
  await section('4. Restart storm', 'storm', async () => {
    const storm = await runStorm(plan.storm, progress);
    targets.push(stormTarget(storm.fullPeak, storm.fullAverage, plan.storm.minMs !== 5_000));
    return storm.markdown;
  });
  await section('5. Sessions', 'sessions', () => external('sessions', args.mode, plan.externalTimeoutMs));
  await section('6. Store', 'store', () => external('store', args.mode, plan.externalTimeoutMs));
  await section('7. Jobs', 'jobs', async () => {
    const r = await runChild('jobs', { quick: args.mode === 'quick', smoke: args.mode === 'smoke' }, plan.externalTimeoutMs || 120_000);
    const pq = r.rates.find((x) => x.name === 'p-queue 9')?.jobsPerSec ?? NaN;
    targets.push(...jobsTarget(r.rates.filter((x) => x.name.startsWith('statevisor runner (')), pq));
    return r.markdown;
  });
  await section('7b. Offloaded work', 'offload', async () => {
    const r = await runChild('offload', { quick: args.mode === 'quick', smoke: args.mode === 'smoke' }, plan.externalTimeoutMs || 120_000);
    targets.push(...r.targets);
    return r.markdown;
  });
  await section('8. Inspection', 'inspection', () => runInspection(plan.inspection, progress));
  await section('9. Flight recorder memory', 'recorder', () => external('recorder', args.mode, plan.externalTimeoutMs));
  await section('10. Cluster', 'cluster', () => external('cluster', args.mode, plan.externalTimeoutMs));
  await section('11. Whole-fleet simulation', 'simulation', () => external('simulation', args.mode, plan.externalTimeoutMs));

  const report = [
    `# statevisor benchmarks (${args.mode}${args.only.size < SCENARIOS.length ? `, partial: only ${[...args.only].join(', ')}` : ''})`,
    '',
    describeMachine(
      args.mode === 'full' ? 'full' : `--${args.mode}`,
      compiled ? `\`src/\` compiled by tsc${compiled.diagnostics ? ' (with type errors)' : ''}` : '`src/` through tsx (`--tsx`)',
      loadAtStart,
    ),
    '',
    'Shared, noisy 2-core machines: read medians and ratios against the baselines measured in the same run, not single absolute figures.',
    '',
    '## Targets',
    '',
    targets.length ? renderTargets(targets) : 'No target evaluated in this run (`--only` without a scenario that has targets).',
    '',
    ...sections,
    `Total bench time: ${((Date.now() - started) / 1000).toFixed(0)} s.`,
    '',
  ].join('\n');
  process.stdout.write(report);
  if (args.out) {
    await mkdir(dirname(args.out), { recursive: true });
    await writeFile(args.out, report);
    progress(`written to ${relative(process.cwd(), args.out) || args.out}`);
  }
  return failures > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
