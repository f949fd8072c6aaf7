/**
 * statevisor: a supervisor for long-lived per-account tasks, built on XState v5.
 *
 * @example
 * ```ts
 * import { createSupervisor } from 'statevisor';
 * const supervisor = createSupervisor({ worker });
 * await supervisor.start();
 * ```
 * @packageDocumentation
 */
export { createSupervisor, type Supervisor } from './createSupervisor.js';
export { SUPERVISOR_DEFAULTS, type SupervisorOptions } from './supervisorOptions.js';
export { systemClock, type Clock, type TimerHandle } from './clock/index.js';
export { historyEntrySchema, type HistoryEntry, type HistoryCommand } from './history/index.js';
export type { Account, AccountInput, AccountState, AccountStatus } from './account.js';
export type { Worker, WorkerContext, WorkerLogic } from './worker/worker.js';
export type { TaskError } from './worker/describeError.js';
export {
  DEFAULT_RESTART_POLICY,
  resolveRestartPolicy,
  type RestartPolicy,
  type RestartPolicyInput,
} from './supervision/restartPolicy.js';
export { backoffDelay } from './supervision/backoff.js';
export { decideRestart, type RestartDecision } from './supervision/decideRestart.js';
export type { ShutdownStats } from './supervision/shutdownStats.js';
export { accountTaskMachine, type AccountTaskInput, type AccountTaskOutput, type TaskEndReason } from './machines/accountTask.js';
export { supervisorMachine } from './machines/supervisor.js';
export type { AccountStore, SupervisionRecord } from './persistence/accountStore.js';
export { memoryStore } from './persistence/memoryStore.js';
export { lowdbStore, DEFAULT_DATA_FILE, LOWDB_STORE_DEFAULTS, type LowdbStoreOptions } from './persistence/index.js';
export {
  websocketSession,
  keywordHandler,
  SESSION_DEFAULTS,
  type WebsocketSessionOptions,
  type MessageHandler,
  type MessageContext,
  type SessionMessage,
} from './sessions/websocketSession.js';
export {
  HeartbeatTimeoutError,
  CredentialsRejectedError,
  AccountBannedError,
  SessionClosedError,
  ConnectError,
  ConnectTimeoutError,
} from './sessions/errors.js';
export type { AccountJobs } from './worker/accountJobs.js';
export {
  createJobRunner,
  gather,
  runInWorker,
  JOB_RUNNER_DEFAULTS,
  QueueFullError,
  JobExistsError,
  JobTimeoutError,
  JobCancelledError,
  type JobRunnerOptions,
  type JobHandle,
  type JobStatus,
} from './jobs/index.js';
export {
  createWorkerPool,
  createProcessRunner,
  WORKER_POOL_DEFAULTS,
  PROCESS_RUNNER_DEFAULTS,
  OffloadQueueFullError,
  OffloadClosedError,
  type WorkerPool,
  type WorkerPoolOptions,
  type ProcessRunner,
  type ProcessRunnerOptions,
  type OffloadRunOptions,
} from './offload/index.js';
export { createSimulator, type Simulator, type SimulatorOptions } from './simulator/index.js';
export { REDACT_PATHS, defaultLogger } from './logging/redaction.js';
export * from './errors.js';
export { createControlApi, instrumentStore, loadOrCreateToken, CONTROL_API_DEFAULTS, type ControlApi, type ControlApiOptions } from './api/index.js';
export { createInspectionRelay, machineDefinitions, toMermaid, type InspectionRelay } from './inspect/index.js';
