import type { Account } from './account.js';
import { AccountConfigurationError, InvalidAccountError } from './errors.js';
import { checkSettingsLimits } from './settingsLimits.js';

/** One problem a schema found: a message and where (path below `settings`). */
export interface SettingsIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** What a schema's `validate` returns (or resolves to). */
export type SettingsResult = { readonly value: unknown; readonly issues?: undefined } | { readonly issues: ReadonlyArray<SettingsIssue> };

/**
 * A schema for a worker's `account.settings`: any Standard Schema (https://standardschema.dev;
 * zod 4, valibot and ArkType schemas are ones), of which the supervisor uses only `validate`.
 *
 * @example
 * ```ts
 * const schema: SettingsSchema = z.object({ region: z.enum(['eu', 'us']) });
 * ```
 */
export interface SettingsSchema {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    validate(value: unknown): SettingsResult | Promise<SettingsResult>;
  };
}

/**
 * A worker (function or actor logic) that declares what its `account.settings` must look like.
 * Optional and additive: a worker without `settingsSchema` accepts any settings (within
 * {@link SETTINGS_LIMITS}), as before.
 *
 * @example
 * ```ts
 * const worker = withSettingsSchema(async ({ account, signal }) => { await run(account, signal); }, z.object({ region: z.string() }));
 * ```
 */
export interface DeclaresSettings {
  readonly settingsSchema?: SettingsSchema;
}

/**
 * `worker` with `schema` declared as its `settingsSchema`: the supervisor checks settings against
 * it on `add()` and `update()` (refusing invalid ones with `InvalidAccountError`), and before each
 * start (suspending an account stored with invalid settings, with `AccountConfigurationError`).
 *
 * @example
 * ```ts
 * createSupervisor({ worker: withSettingsSchema(myWorker, z.object({ region: z.string() })) });
 * ```
 */
export function withSettingsSchema<W extends object>(worker: W, schema: SettingsSchema): W & DeclaresSettings {
  return Object.assign(worker, { settingsSchema: schema });
}

/**
 * The settings schema `logic` declares, if any.
 *
 * @example
 * ```ts
 * declaredSettingsSchema(websocketSession({ url })); // the keyword settings schema
 * ```
 */
export function declaredSettingsSchema(logic: unknown): SettingsSchema | undefined {
  if ((typeof logic !== 'function' && typeof logic !== 'object') || logic === null) return undefined;
  const schema = (logic as DeclaresSettings).settingsSchema;
  return typeof schema === 'object' && schema !== null && typeof schema['~standard']?.validate === 'function' ? schema : undefined;
}

/** Where `account.settings` is wrong, and why. */
export interface SettingsProblem {
  field: string;
  reason: string;
}

/**
 * The first problem with `account.settings` for the worker `logicFor` chooses: beyond
 * {@link SETTINGS_LIMITS}, or refused by the worker's declared schema. `undefined` when they are
 * fine, or when `logicFor` itself throws (the task reports that when it starts).
 *
 * Synchronous unless the schema's `validate` answers with a promise, as a Standard Schema may:
 * the check runs on every `add()` and before every start, and for a worker without a schema (or
 * with a synchronous one) the two awaits of an always-async check were 3 of the 39 promises an
 * `add()` made, and 3 of the 17 of every start (counted with `async_hooks`, 2026-12-02).
 *
 * @example
 * ```ts
 * await settingsProblem(() => worker, { id: 'a', enabled: true, settings: { keywords: 'price' } });
 * // { field: 'settings.keywords', reason: 'must be an array …' }
 * ```
 */
export function settingsProblem(logicFor: () => unknown, account: Account): SettingsProblem | undefined | Promise<SettingsProblem | undefined> {
  const limit = checkSettingsLimits(account.settings);
  if (limit) return { field: fieldOf(limit.path), reason: limit.reason };
  let schema: SettingsSchema | undefined;
  try {
    schema = declaredSettingsSchema(logicFor());
  } catch {
    return undefined;
  }
  if (!schema) return undefined;
  const result = schema['~standard'].validate(account.settings);
  // A thenable from another realm or library is still an answer to wait for, hence no `instanceof`.
  return isThenable(result) ? Promise.resolve(result).then(problemIn) : problemIn(result);
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown }).then === 'function';
}

function problemIn(result: SettingsResult): SettingsProblem | undefined {
  const issue = result.issues?.[0];
  if (!issue) return undefined;
  return { field: fieldOf((issue.path ?? []).map((p) => (typeof p === 'object' ? p.key : p))), reason: issue.message };
}

/**
 * Rejects settings the worker would not accept, before anything changes (for `add()` and `update()`).
 * Returns a promise only when the schema validates asynchronously; await what it returns.
 * @throws InvalidAccountError naming the field, for example `settings.keywords.0.match`.
 * @example
 * ```ts
 * await assertValidSettings(() => logicFor(account), account); // in add()'s and update()'s queue step
 * ```
 */
export function assertValidSettings(logicFor: () => unknown, account: Account): void | Promise<void> {
  return whenKnown(settingsProblem(logicFor, account), (problem) => new InvalidAccountError(problem.field, problem.reason));
}

/**
 * Refuses to start an account whose stored settings the worker would not accept (written by an
 * older version, or edited in the file): the task fails with a non-retryable error, so the account
 * is suspended with the problem in its status instead of running with settings it ignores.
 * Returns a promise only when the schema validates asynchronously; await what it returns.
 * @throws AccountConfigurationError naming the account and the field.
 * @example
 * ```ts
 * await assertStartableSettings(() => logicFor(account), account); // in the task's loading step
 * ```
 */
export function assertStartableSettings(logicFor: () => unknown, account: Account): void | Promise<void> {
  return whenKnown(settingsProblem(logicFor, account), (problem) => new AccountConfigurationError(account.id, problem.field, problem.reason));
}

/** Throws `errorOf(problem)` if there is a problem: now, or when the promised answer comes. */
function whenKnown(answer: SettingsProblem | undefined | Promise<SettingsProblem | undefined>, errorOf: (problem: SettingsProblem) => Error): void | Promise<void> {
  const check = (problem: SettingsProblem | undefined): void => {
    if (problem) throw errorOf(problem);
  };
  return answer instanceof Promise ? answer.then(check) : check(answer);
}

function fieldOf(path: readonly PropertyKey[]): string {
  return ['settings', ...path.map(String)].join('.');
}
