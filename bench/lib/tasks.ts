/**
 * Every measurement a child process can run (`child.ts`), by name. Modules load lazily, so a
 * child only loads what its task needs.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CommandsParams, CommandsResult } from '../scenarios/commands.js';
import type { InspectionParams, InspectionResult } from '../scenarios/inspection.js';
import type { JobsBenchResult } from '../jobs.js';
import type { OffloadBenchResult } from '../offload.js';
import type { RestartCycleParams, RestartCycleResult } from '../scenarios/restartCycle.js';
import type { StartStopParams, StartStopResult } from '../scenarios/startStop.js';
import type { StormParams, StormResult } from '../scenarios/storm.js';

/** A bench module written by someone else (`bench/store.ts`, `bench/jobs.ts`, `bench/scenarios/sessions.ts`). */
export interface ExternalParams {
  /** Path from the working directory. */
  file: string;
  /** The exported function: `({ quick }) => Promise<string | undefined>`. */
  exportName: string;
  quick: boolean;
}

export const tasks = {
  startStop: async (p: StartStopParams): Promise<StartStopResult> => (await import('../scenarios/startStop.js')).measureStartStop(p),
  commands: async (p: CommandsParams): Promise<CommandsResult> => (await import('../scenarios/commands.js')).measureCommands(p),
  restartCycle: async (p: RestartCycleParams): Promise<RestartCycleResult> =>
    (await import('../scenarios/restartCycle.js')).measureRestartCycle(p),
  jobs: async (p: { quick: boolean; smoke: boolean }): Promise<JobsBenchResult> => (await import('../jobs.js')).measureJobs(p),
  offload: async (p: { quick: boolean; smoke: boolean }): Promise<OffloadBenchResult> => (await import('../offload.js')).measureOffload(p),
  storm: async (p: StormParams): Promise<StormResult> => (await import('../scenarios/storm.js')).measureStorm(p),
  inspection: async (p: InspectionParams): Promise<InspectionResult> => (await import('../scenarios/inspection.js')).measureInspection(p),
  external: async ({ file, exportName, quick }: ExternalParams): Promise<string | null> => {
    const mod = (await import(pathToFileURL(resolve(file)).href)) as Record<string, unknown>;
    const fn = mod[exportName];
    if (typeof fn !== 'function') throw new Error(`${file} does not export a function ${exportName}`);
    const out = (await (fn as (o: { quick: boolean }) => Promise<unknown>)({ quick })) ?? null;
    if (out !== null && typeof out !== 'string') throw new Error(`${file}: ${exportName}() did not return markdown`);
    return out;
  },
};

export type TaskName = keyof typeof tasks;
export type TaskParams<K extends TaskName> = Parameters<(typeof tasks)[K]>[0];
export type TaskResult<K extends TaskName> = Awaited<ReturnType<(typeof tasks)[K]>>;
