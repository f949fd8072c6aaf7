import type { Supervisor } from '../createSupervisor.js';
import { AccountNotFoundError } from '../errors.js';
import { explainState } from '../recorder/explain.js';
import type { Endpoint } from './endpoints.js';
import type { Route } from './routes.js';

/**
 * `GET /v1/accounts/:id/history`: the account's status, its flight recorder, oldest first, and
 * the sentence explaining its state (`{ account, history, why }`): what `statevisor why <id>` prints. 404 `ACCOUNT_NOT_FOUND` for an
 * unknown id. Entries carry error codes and messages, never credentials (the supervisor records
 * none, and the reply is scrubbed like every other).
 *
 * @example
 * ```ts
 * const routes = [...apiRoutes(deps), historyRoute(supervisor)];
 * // GET /v1/accounts/shop-1/history → { account: {…}, history: [{ kind: 'command', … }, …] }
 * ```
 */
export function historyRoute(supervisor: Supervisor): Route<Endpoint> {
  return {
    pattern: ['v1', 'accounts', ':id', 'history'],
    methods: {
      GET: {
        body: 'none',
        run: async ({ id }) => {
          const account = supervisor.status(id!);
          if (!account) throw new AccountNotFoundError(id!);
          const history = supervisor.history(id!);
          // The plain-words sentence too, so the dashboard shows what `statevisor why` prints.
          return { status: 200, json: { account, history, why: explainState(account, history) } };
        },
      },
    },
  };
}
