/**
 * Every error statevisor throws or rejects with is a `StatevisorError` with a stable `code`:
 * match on `code`, not on the message, which may be reworded.
 *
 * Messages say what was wrong, where (field, file, account), and what to do.
 *
 * @example
 * ```ts
 * try { await supervisor.add({ id: 'a' }); }
 * catch (e) { if (e instanceof StatevisorError && e.code === 'ACCOUNT_EXISTS') console.log('already supervised'); }
 * ```
 */
export class StatevisorError extends Error {
  /** Stable, machine-readable code. */
  readonly code: string;
  /** `false` tells the supervisor not to restart after this error: the account is suspended. */
  readonly retryable: boolean;

  constructor(code: string, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options?.retryable ?? true;
  }
}

/** `add()` of an id that already exists. */
export class AccountExistsError extends StatevisorError {
  constructor(readonly accountId: string) {
    super('ACCOUNT_EXISTS', `Account "${accountId}" already exists. Change it with \`statevisor accounts update ${accountId} …\` (update() in code), or remove it first with \`statevisor accounts remove ${accountId}\`.`);
  }
}

/** A command named an account the supervisor does not hold. */
export class AccountNotFoundError extends StatevisorError {
  constructor(readonly accountId: string) {
    super('ACCOUNT_NOT_FOUND', `Account "${accountId}" does not exist. Check the id (\`statevisor accounts list\`), or add it first with \`statevisor accounts add ${accountId} …\` (add() in code).`);
  }
}

/** Input that does not describe a valid account. Nothing was changed. */
export class InvalidAccountError extends StatevisorError {
  constructor(
    /** Dotted path of the offending field, for example `restart.backoff.minMs`. */
    readonly field: string,
    readonly reason: string,
  ) {
    super('INVALID_ACCOUNT', `Invalid account: field "${field}" ${reason}. Nothing was changed.`, { retryable: false });
  }
}

/**
 * An account stored with a configuration its worker cannot run (for example settings that fail the
 * worker's settings schema). Not retryable: the account is suspended until its configuration is fixed.
 *
 * @example
 * ```ts
 * if (status.lastError?.code === 'INVALID_CONFIGURATION') console.log(status.lastError.message);
 * ```
 */
export class AccountConfigurationError extends StatevisorError {
  constructor(
    readonly accountId: string,
    /** Dotted path of the offending field, for example `settings.keywords.0.match`. */
    readonly field: string,
    readonly reason: string,
  ) {
    super(
      'INVALID_CONFIGURATION',
      `Account "${accountId}" has an invalid configuration: field "${field}" ${reason}. It is suspended: fix it with ` +
        `"statevisor accounts update ${accountId} --settings '<json>'", which starts it again.`,
      { retryable: false },
    );
  }
}

/** `update()` with `ifMatch`, and the account changed since that revision was read. Nothing was changed. */
export class RevisionMismatchError extends StatevisorError {
  constructor(readonly accountId: string) {
    super(
      'REVISION_MISMATCH',
      `Account "${accountId}" was changed since you read it: If-Match does not name its current revision, so nothing was changed. ` +
        `Read it again ("statevisor accounts get ${accountId}"), then retry your change.`,
      { retryable: false },
    );
  }
}

/** A command arrived after `shutdown()` began (or the supervisor escalated). */
export class ShuttingDownError extends StatevisorError {
  constructor() {
    super('SHUTTING_DOWN', 'The supervisor is shutting down and accepts no more commands.');
  }
}

/** A command arrived before `start()` finished. */
export class NotStartedError extends StatevisorError {
  constructor() {
    super('NOT_STARTED', 'The supervisor has not started yet: if the daemon is starting, retry in a moment; in code, await supervisor.start() before sending commands.');
  }
}

/** `restart()` of a disabled account. */
export class AccountDisabledError extends StatevisorError {
  constructor(readonly accountId: string) {
    super('ACCOUNT_DISABLED', `Account "${accountId}" is disabled: start it with \`statevisor accounts enable ${accountId}\` (enable() in code).`);
  }
}

/** `waitFor()` ran past its `timeoutMs`. */
export class WaitTimeoutError extends StatevisorError {
  constructor(readonly accountId: string, timeoutMs: number, lastState: string | undefined) {
    super(
      'WAIT_TIMEOUT',
      `Account "${accountId}" did not reach the awaited state within ${timeoutMs} ms (last state: ${lastState ?? 'none'}).`,
    );
  }
}

/** The account task could not load its account within `loadTimeoutMs`. */
export class LoadTimeoutError extends StatevisorError {
  constructor(readonly accountId: string, timeoutMs: number) {
    super('LOAD_TIMEOUT', `Loading account "${accountId}" took longer than loadTimeoutMs (${timeoutMs} ms).`);
  }
}

/** A restart intensity limit was exceeded with `onIntensityExceeded: 'escalate'`: the supervisor shut down. */
export class EscalationError extends StatevisorError {
  constructor(readonly accountId: string, maxRestarts: number, withinMs: number) {
    super(
      'ESCALATED',
      `Account "${accountId}" needed more than ${maxRestarts} restarts within ${withinMs} ms and its policy is ` +
        `onIntensityExceeded: 'escalate', so the supervisor shut down. Fix the account or use 'suspend'.`,
    );
  }
}

/** A store write failed: the command was rejected and the store's memory rolled back to what is on disk. */
export class StoreWriteError extends StatevisorError {
  constructor(readonly file: string, cause: unknown) {
    super('STORE_WRITE_FAILED', `Writing the account store "${file}" failed (${describeCause(cause)}); the change was not applied. Check disk space and permissions, then retry.`, { cause });
  }
}

/** A store's file could not be read, parsed or validated. */
export class StoreCorruptError extends StatevisorError {
  constructor(readonly file: string, detail: string) {
    super('STORE_CORRUPT', `The account store "${file}" cannot be used: ${detail}. The file was not modified.`, { retryable: false });
  }
}

/** Another live process holds the store's lock. */
export class StoreLockedError extends StatevisorError {
  /** The lock file (`<file>.lock`). */
  readonly lockFile: string;
  constructor(readonly file: string, readonly pid: number, details: { host?: string | undefined; lockFile?: string } = {}) {
    const lockFile = details.lockFile ?? `${file}.lock`;
    super(
      'STORE_LOCKED',
      `The account store "${file}" is locked by process ${pid}${details.host ? ` on host ${details.host}` : ''}. Stop that process first, or use another data file. ` +
        `If no statevisor is using this file (the holder crashed and its pid now belongs to another program), delete ${lockFile} and start again.`,
      { retryable: false },
    );
    this.lockFile = lockFile;
  }
}

/** The store's file or directory is open to other users and cannot be made private (not ours to change). */
export class StorePermissionError extends StatevisorError {
  constructor(readonly path: string, detail: string) {
    super('STORE_PERMISSIONS', `The account store path "${path}" ${detail}. It holds credentials: make it private (chmod 600 for the file, 700 for its directory, owned by the user running statevisor), or use another data file.`, { retryable: false });
  }
}

/** The store's credentials cannot be decrypted with the given secret. */
export class StoreSecretError extends StatevisorError {
  constructor(readonly file: string, detail: string) {
    super('STORE_SECRET', `The account store "${file}" cannot be decrypted: ${detail}. Set STATEVISOR_SECRET (or the secret option) to the key the file was written with.`, { retryable: false });
  }
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return String(cause);
}
