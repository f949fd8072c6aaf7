import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import type { AccountStatus } from '../account.js';
import type { AccountConfiguration } from '../accountConfiguration.js';
import { accountPath as path, apiCall, apiRequest } from './client.js';
import { action, connect, jsonFlag, printJson, withConnectionOptions, type CommonFlags } from './command.js';
import { CliError, OPERATOR_EXIT } from './errors.js';
import { accountDetail, accountsTable } from './format.js';
import type { OperatorIo } from './io.js';

/** Flags of `accounts add` and `accounts update` that build the request body. */
interface InputFlags extends CommonFlags {
  settings?: string;
  restart?: string;
  data?: string;
  credentialsEnv?: string;
  credentialsFile?: string;
  disabled?: boolean;
  enabled?: boolean;
  ifMatch?: string;
}

/** What `GET`/`PATCH /v1/accounts/:id` answer: the status and, since 0.2, the stored configuration. */
interface AccountAnswer {
  account: AccountStatus;
  configuration?: AccountConfiguration;
}

/**
 * Adds `statevisor accounts list|get|add|update|remove|enable|disable|restart`.
 *
 * @example
 * ```ts
 * registerAccountCommands(program, processIo());
 * // statevisor accounts add shop-1 --credentials-env SHOP_1_TOKEN --settings '{"region":"eu"}'
 * ```
 */
export function registerAccountCommands(program: Command, io: OperatorIo): void {
  const accounts = program.command('accounts').description('list, inspect and change accounts on the running daemon');
  withConnectionOptions(accounts.command('list').description('every account with its state')).action(
    action(io, async (flags: CommonFlags) => {
      const { accounts: all } = await apiCall<{ accounts: AccountStatus[] }>(await connect(io, flags), 'GET', '/v1/accounts');
      if (flags.json) printJson(io, all);
      else io.stdout.write(accountsTable(all));
    }),
  );
  withConnectionOptions(accounts.command('get').argument('<id>').description("one account's status and stored configuration (never the credentials)")).action(
    action(io, async (id: string, flags: CommonFlags) => {
      const { body } = await apiRequest<AccountAnswer>(await connect(io, flags), 'GET', path(id));
      report(io, flags, body);
    }),
  );
  registerAddUpdate(accounts, io);
  registerStateCommands(accounts, io);
}

function registerAddUpdate(accounts: Command, io: OperatorIo): void {
  inputOptions(accounts.command('add').argument('<id>').description('add an account (started at once unless --disabled)'))
    .option('--disabled', 'store it disabled: it does not start')
    .action(
      action(io, async (id: string, flags: InputFlags) => {
        const body = { ...(await inputBody(io, flags)), id, ...(flags.disabled ? { enabled: false } : {}) };
        const { body: answer } = await apiRequest<AccountAnswer>(await connect(io, flags), 'POST', '/v1/accounts', { body });
        report(io, flags, answer, 'added');
      }),
    );
  inputOptions(
    accounts
      .command('update')
      .argument('<id>')
      .description('change an account (a JSON merge patch: --settings \'{"a":1,"b":null}\' sets a, deletes b, keeps the rest); its task restarts only if something changed'),
  )
    .option('--enabled <bool>', 'true or false', parseBool)
    .option('--if-match <revision>', 'only if the account is still at this revision (from "accounts get"); otherwise nothing changes')
    .action(
      action(io, async (id: string, flags: InputFlags) => {
        const body = { ...(await inputBody(io, flags)), ...(flags.enabled === undefined ? {} : { enabled: flags.enabled }) };
        if (Object.keys(body).length === 0) throw new CliError('CLI_USAGE', 'Nothing to update: give --settings, --restart, --enabled, --credentials-env, --credentials-file or --data.', OPERATOR_EXIT.usage);
        const headers: Record<string, string> = flags.ifMatch === undefined ? {} : { 'If-Match': ifMatchValue(flags.ifMatch) };
        const { body: answer } = await apiRequest<AccountAnswer>(await connect(io, flags), 'PATCH', path(id), { body, headers });
        report(io, flags, answer, 'updated');
      }),
    );
}

function registerStateCommands(accounts: Command, io: OperatorIo): void {
  withConnectionOptions(accounts.command('remove').argument('<id>').description('stop the account and delete it')).action(
    action(io, async (id: string, flags: CommonFlags) => {
      const result = await apiCall<{ removed: string }>(await connect(io, flags), 'DELETE', path(id));
      if (flags.json) printJson(io, result);
      else io.stdout.write(`removed ${id}\n`);
    }),
  );
  const verbs = [
    ['enable', 'enabled', 'enable and start the account'],
    ['disable', 'disabled', 'stop the account and keep it disabled'],
    ['restart', 'restarted', 'start a new incarnation (also resumes a suspended account)'],
  ] as const;
  for (const [verb, done, description] of verbs) {
    withConnectionOptions(accounts.command(verb).argument('<id>').description(description)).action(
      action(io, async (id: string, flags: CommonFlags) => {
        const { account } = await apiCall<{ account: AccountStatus }>(await connect(io, flags), 'POST', path(id, verb));
        report(io, flags, { account }, done);
      }),
    );
  }
}

function inputOptions(cmd: Command): Command {
  return withConnectionOptions(cmd)
    .option('--settings <json>', 'settings object, as JSON')
    .option('--restart <json>', 'restart policy override, as JSON')
    .option('--credentials-env <var>', 'read the credentials from this environment variable (not from the command line, which other users can see)')
    .option('--credentials-file <file>', 'read the credentials from this file (trailing newline removed)')
    .option('--data <json>', 'the whole account (or patch) as JSON; the other flags override its fields');
}

async function inputBody(io: OperatorIo, flags: InputFlags): Promise<Record<string, unknown>> {
  const data = jsonFlag('--data', flags.data);
  if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) {
    throw new CliError('CLI_USAGE', '--data must be a JSON object.', OPERATOR_EXIT.usage);
  }
  const body: Record<string, unknown> = { ...(data as Record<string, unknown> | undefined) };
  if (flags.settings !== undefined) body.settings = jsonFlag('--settings', flags.settings);
  if (flags.restart !== undefined) body.restart = jsonFlag('--restart', flags.restart);
  const credentials = await readCredentials(io, flags);
  if (credentials !== undefined) body.credentials = credentials;
  return body;
}

async function readCredentials(io: OperatorIo, flags: InputFlags): Promise<string | undefined> {
  if (flags.credentialsEnv !== undefined) {
    const value = io.env[flags.credentialsEnv];
    if (value === undefined) throw new CliError('CLI_USAGE', `--credentials-env: the environment variable ${flags.credentialsEnv} is not set.`, OPERATOR_EXIT.usage);
    return value;
  }
  if (flags.credentialsFile === undefined) return undefined;
  try {
    return (await readFile(flags.credentialsFile, 'utf8')).replace(/\r?\n$/, '');
  } catch (err) {
    throw new CliError('CLI_USAGE', `--credentials-file: cannot read ${flags.credentialsFile} (${(err as NodeJS.ErrnoException).code ?? String(err)}).`, OPERATOR_EXIT.usage);
  }
}

/** With `done`: one line (`updated shop-1: running (incarnation 2)`); without: the whole detail. `--json`: the status with `configuration`. */
function report(io: OperatorIo, flags: CommonFlags, answer: AccountAnswer, done?: string): void {
  const { account, configuration } = answer;
  if (flags.json) printJson(io, configuration === undefined ? account : { ...account, configuration });
  else if (done !== undefined) io.stdout.write(`${done} ${account.id}: ${account.state} (incarnation ${account.incarnation})\n`);
  else io.stdout.write(accountDetail(account) + (configuration ? configurationDetail(configuration) : ''));
}

function configurationDetail(c: AccountConfiguration): string {
  const lines: [string, string][] = [
    ['credentials', c.credentialsSet ? 'set' : 'not set'],
    ['settings', JSON.stringify(c.settings)],
    ['restart', c.restart === undefined ? '(supervisor default)' : JSON.stringify(c.restart)],
    ['revision', c.revision],
  ];
  const width = 'incarnation'.length;
  // eslint-disable-next-line no-control-regex
  return lines.map(([k, v]) => `${`${k}:`.padEnd(width + 2)}${v.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')}`).join('\n') + '\n';
}

/** `--if-match abc` → `"abc"`: the revision as a strong entity tag (already quoted values and `*` pass). */
function ifMatchValue(revision: string): string {
  const r = revision.trim();
  return r === '*' || r.startsWith('"') ? r : `"${r}"`;
}

function parseBool(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError('must be true or false.');
}
