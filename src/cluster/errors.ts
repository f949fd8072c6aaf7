import { StatevisorError } from '../errors.js';

/**
 * Another live node already uses this node id: two processes with one id would both believe
 * they hold the same shards' leases.
 *
 * @example
 * ```ts
 * try { await openClusterNode({ connectionString: 'postgres://postgres@127.0.0.1:5432/statevisor', nodeId: 'a' }); }
 * catch (e) { if (e instanceof StatevisorError && e.code === 'DUPLICATE_NODE_ID') process.exit(2); }
 * ```
 */
export class DuplicateNodeIdError extends StatevisorError {
  constructor(readonly nodeId: string) {
    super(
      'DUPLICATE_NODE_ID',
      `Another live statevisor node already uses the node id "${nodeId}". Give this node another id (--node-id), or stop the other one; \`statevisor cluster\` lists the live nodes.`,
      { retryable: false },
    );
    this.name = 'DuplicateNodeIdError';
  }
}

/**
 * A lease query did not answer within its hard deadline; the lease connection was destroyed and
 * is reopened for the next round.
 *
 * @example
 * ```ts
 * if (e instanceof LeaseDeadlineError) log.warn('lease round timed out');
 * ```
 */
export class LeaseDeadlineError extends StatevisorError {
  constructor(what: string, ms: number) {
    super('LEASE_DEADLINE', `The lease query "${what}" did not answer within ${ms} ms; the lease connection is reset and the next round retries.`, { retryable: true });
    this.name = 'LeaseDeadlineError';
  }
}
