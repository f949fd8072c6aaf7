import type { IncomingHttpHeaders } from 'node:http';
import { supervisorPhase } from '../machines/supervisor.js';
import type { AccountInput, AccountStatus } from '../account.js';
import type { AccountPatch, Supervisor } from '../createSupervisor.js';
import { AccountNotFoundError } from '../errors.js';
import { HttpError } from './errors.js';
import { historyRoute } from './historyRoute.js';
import { assertNoMaskedSecrets } from './maskedSecrets.js';
import type { MetricsCollector } from './metrics.js';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus.js';
import type { Route } from './routes.js';

/** What an endpoint answers: JSON, or text with its content type. */
export interface Reply {
  status: number;
  json?: unknown;
  text?: { body: string; contentType: string };
  headers?: Readonly<Record<string, string>>;
}

/** One endpoint: whether it reads a JSON body, and what it does. */
export interface Endpoint {
  /** `required`: 415/400 without a JSON body; `optional`: a body, if sent, must be JSON (and is ignored); `none`: never read. */
  body: 'required' | 'optional' | 'none';
  run(params: Record<string, string>, body: unknown, headers: IncomingHttpHeaders): Promise<Reply>;
}

/** What the endpoints read and drive. */
export interface EndpointDeps {
  supervisor: Supervisor;
  metrics: MetricsCollector;
  ready?: (() => boolean) | undefined;
  cluster?: (() => Promise<unknown>) | undefined;
}

const none = (run: Endpoint['run']): Endpoint => ({ body: 'none', run });
const optional = (run: Endpoint['run']): Endpoint => ({ body: 'optional', run });
const required = (run: Endpoint['run']): Endpoint => ({ body: 'required', run });
const ok = (json: unknown, status = 200): Reply => ({ status, json });

/**
 * The control API's routes. Reads come from the status read model (`list()` / `status()`),
 * commands go through the supervisor, whose errors the server maps to statuses (see `toErrorReply`).
 *
 * @example
 * ```ts
 * matchRoute(apiRoutes({ supervisor, metrics }), 'GET', ['v1', 'accounts']);
 * ```
 */
export function apiRoutes(deps: EndpointDeps): Route<Endpoint>[] {
  const sup = deps.supervisor;
  // An id as typed may be decomposed (`e` + U+0301); new ids are stored in NFC. An exact match wins,
  // so an account stored before ids were normalised stays reachable.
  const idOf = ({ id }: Record<string, string>): string => (id === undefined || sup.status(id) !== undefined ? (id ?? '') : id.normalize('NFC'));
  const one = (id: string) => {
    const status = sup.status(id);
    if (!status) throw new AccountNotFoundError(id);
    return status;
  };
  return [
    { pattern: ['health'], methods: { GET: none(async () => health(deps)) } },
    { pattern: ['metrics'], methods: { GET: none(async () => ({ status: 200, text: { body: deps.metrics.render(), contentType: PROMETHEUS_CONTENT_TYPE } })) } },
    {
      pattern: ['v1', 'accounts'],
      methods: {
        GET: none(async () => ok({ accounts: sup.list() })),
        POST: required(async (_, body) => {
          assertNoMaskedSecrets(body);
          return created(sup, await sup.add(body as AccountInput));
        }),
      },
    },
    {
      pattern: ['v1', 'accounts', ':id'],
      methods: {
        GET: none(async (params) => withConfiguration(sup, one(idOf(params)))),
        PATCH: required(async (params, body, headers) => {
          const ifMatch = headers['if-match'];
          assertNoMaskedSecrets(body);
          return withConfiguration(sup, await sup.update(idOf(params), body as AccountPatch, ifMatch === undefined ? {} : { ifMatch }));
        }),
        DELETE: optional(async (params) => {
          const id = idOf(params);
          await sup.remove(id);
          return ok({ removed: id });
        }),
      },
    },
    historyRoute(sup),
    { pattern: ['v1', 'accounts', ':id', 'restart'], methods: { POST: optional(async (params) => ok({ account: await sup.restart(idOf(params)) })) } },
    { pattern: ['v1', 'accounts', ':id', 'enable'], methods: { POST: optional(async (params) => ok({ account: await sup.enable(idOf(params)) })) } },
    { pattern: ['v1', 'accounts', ':id', 'disable'], methods: { POST: optional(async (params) => ok({ account: await sup.disable(idOf(params)) })) } },
    { pattern: ['v1', 'reload'], methods: { POST: optional(async () => ok({ reload: await sup.reload() })) } },
    { pattern: ['v1', 'events'], methods: { GET: none(async () => upgradeRequired()) } },
    ...(deps.cluster ? [{ pattern: ['v1', 'cluster'], methods: { GET: none(async () => ok({ cluster: await deps.cluster!() })) } }] : []),
  ];
}

function created(sup: Supervisor, account: AccountStatus): Reply {
  const reply = withConfiguration(sup, account, 201);
  return { ...reply, headers: { ...reply.headers, Location: `/v1/accounts/${encodeURIComponent(account.id)}` } };
}

/**
 * `{ account, configuration }` with the configuration's revision as a strong `ETag`, which a
 * later `PATCH` sends back in `If-Match`. The configuration never holds the credentials.
 */
function withConfiguration(sup: Supervisor, account: AccountStatus, status = 200): Reply {
  const configuration = sup.configuration(account.id);
  if (!configuration) return { status, json: { account } };
  return { status, json: { account, configuration }, headers: { ETag: `"${configuration.revision}"` } };
}

/**
 * `GET /health`: 200 when the supervisor's root machine is `running` and the `ready` hook (if
 * any) agrees; 503 while starting, shutting down or stopped. The body says which.
 */
function health(deps: EndpointDeps): Reply {
  const state = supervisorPhase(deps.supervisor.actor.getSnapshot());
  const ready = state === 'running' && hookSaysReady(deps.ready);
  return { status: ready ? 200 : 503, json: { status: ready ? 'ok' : 'unavailable', live: true, ready, supervisor: state } };
}

function hookSaysReady(hook: (() => boolean) | undefined): boolean {
  try {
    return hook?.() ?? true;
  } catch {
    return false;
  }
}

function upgradeRequired(): never {
  throw new HttpError(426, 'UPGRADE_REQUIRED', 'GET /v1/events is a WebSocket endpoint: connect with a WebSocket client.', undefined, { Upgrade: 'websocket' });
}
