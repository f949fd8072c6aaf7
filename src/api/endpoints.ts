import { supervisorPhase } from '../machines/supervisor.js';
import type { AccountInput } from '../account.js';
import type { Supervisor } from '../createSupervisor.js';
import { AccountNotFoundError } from '../errors.js';
import { HttpError } from './errors.js';
import { historyRoute } from './historyRoute.js';
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
  run(params: Record<string, string>, body: unknown): Promise<Reply>;
}

/** What the endpoints read and drive. */
export interface EndpointDeps {
  supervisor: Supervisor;
  metrics: MetricsCollector;
  ready?: (() => boolean) | undefined;
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
  const one = (id: string) => {
    const status = sup.status(id);
    if (!status) throw new AccountNotFoundError(id);
    return status;
  };
  return [
    { pattern: ['health'], methods: { GET: none(async () => health(deps)) } },
    { pattern: ['metrics'], methods: { GET: none(async () => ({ status: 200, text: { body: deps.metrics.render(), contentType: PROMETHEUS_CONTENT_TYPE } })) } },
    { pattern: ['v1', 'accounts'], methods: { GET: none(async () => ok({ accounts: sup.list() })), POST: required(async (_, body) => created(await sup.add(body as AccountInput))) } },
    {
      pattern: ['v1', 'accounts', ':id'],
      methods: {
        GET: none(async ({ id }) => ok({ account: one(id!) })),
        PATCH: required(async ({ id }, body) => ok({ account: await sup.update(id!, body as Partial<AccountInput>) })),
        DELETE: optional(async ({ id }) => {
          await sup.remove(id!);
          return ok({ removed: id });
        }),
      },
    },
    historyRoute(sup),
    { pattern: ['v1', 'accounts', ':id', 'restart'], methods: { POST: optional(async ({ id }) => ok({ account: await sup.restart(id!) })) } },
    { pattern: ['v1', 'accounts', ':id', 'enable'], methods: { POST: optional(async ({ id }) => ok({ account: await sup.enable(id!) })) } },
    { pattern: ['v1', 'accounts', ':id', 'disable'], methods: { POST: optional(async ({ id }) => ok({ account: await sup.disable(id!) })) } },
    { pattern: ['v1', 'reload'], methods: { POST: optional(async () => ok({ reload: await sup.reload() })) } },
    { pattern: ['v1', 'events'], methods: { GET: none(async () => upgradeRequired()) } },
  ];
}

function created(account: { id: string }): Reply {
  return { status: 201, json: { account }, headers: { Location: `/v1/accounts/${encodeURIComponent(account.id)}` } };
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
