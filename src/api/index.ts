/**
 * The control API: `createControlApi()` serves JSON over HTTP and the live status stream over
 * WebSocket on one port, with bearer-token auth; `loadOrCreateToken()` manages the token file;
 * `instrumentStore()` times store writes for `/metrics`.
 *
 * @example
 * ```ts
 * import { createControlApi, instrumentStore, memoryStore, createSupervisor } from 'statevisor';
 * const store = instrumentStore(memoryStore());
 * const supervisor = createSupervisor({ worker, store });
 * await supervisor.start();
 * const api = await createControlApi({ supervisor, dataDir: './data', writeLatency: store.writeLatency });
 * ```
 * @packageDocumentation
 */
export { createControlApi, type ControlApi } from './createControlApi.js';
export { CONTROL_API_DEFAULTS, type ControlApiOptions } from './options.js';
export { loadOrCreateToken, readTokenFile, TOKEN_FILE_NAME, type LoadedToken } from './token.js';
export { instrumentStore, StoreWriteLatency, type InstrumentedStore, type StoreWriteOp } from './instrumentStore.js';
export { ApiInsecureBindError, ApiListenError, ApiTokenError, HttpError } from './errors.js';
export type { ErrorBody } from './errorReply.js';
export type { StreamMessage } from './eventStream.js';
export { EVENTS_PATH } from './handleUpgrade.js';
export { isLoopbackHost } from './auth.js';
