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

/**
 * The first problem with `account.settings` for the worker `logicFor` chooses: beyond
 * {@link SETTINGS_LIMITS}, or refused by the worker's declared schema. `undefined` when they are
 * fine, or when `logicFor` itself throws (the task reports that when it starts).
 *
 * @example
 * ```ts
 * await settingsProblem(() => worker, { id: 'a', enabled: true, settings: { keywords: 'price' } });
 * // { field: 'settings.keywords', reason: 'must be an array …' }
 * ```
 */
export async function settingsProblem(logicFor: () => unknown, account: Account): Promise<{ field: string; reason: string } | undefined> {
  const limit = checkSettingsLimits(account.settings);
  if (limit) return { field: fieldOf(limit.path), reason: limit.reason };
  let schema: SettingsSchema | undefined;
  try {
    schema = declaredSettingsSchema(logicFor());
  } catch {
    return undefined;
  }
  if (!schema) return undefined;
  const result = await schema['~standard'].validate(account.settings);
  const issue = result.issues?.[0];
  if (!issue) return undefined;
  return { field: fieldOf((issue.path ?? []).map((p) => (typeof p === 'object' ? p.key : p))), reason: issue.message };
}

/**
 * Rejects settings the worker would not accept, before anything changes (for `add()` and `update()`).
 * @throws InvalidAccountError naming the field, for example `settings.keywords.0.match`.
 * @example
 * ```ts
 * await assertValidSettings(() => logicFor(account), account); // in add()'s and update()'s queue step
 * ```
 */
export async function assertValidSettings(logicFor: () => unknown, account: Account): Promise<void> {
  const problem = await settingsProblem(logicFor, account);
  if (problem) throw new InvalidAccountError(problem.field, problem.reason);
}

/**
 * Refuses to start an account whose stored settings the worker would not accept (written by an
 * older version, or edited in the file): the task fails with a non-retryable error, so the account
 * is suspended with the problem in its status instead of running with settings it ignores.
 * @throws AccountConfigurationError naming the account and the field.
 * @example
 * ```ts
 * await assertStartableSettings(() => logicFor(account), account); // in the task's loading step
 * ```
 */
export async function assertStartableSettings(logicFor: () => unknown, account: Account): Promise<void> {
  const problem = await settingsProblem(logicFor, account);
  if (problem) throw new AccountConfigurationError(account.id, problem.field, problem.reason);
}

function fieldOf(path: readonly PropertyKey[]): string {
  return ['settings', ...path.map(String)].join('.');
}
