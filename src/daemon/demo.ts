import type { Account } from '../account.js';
import type { Simulator } from '../simulator/index.js';

/** The demo account that keeps a healthy, auto-replying session. */
export const DEMO_HEALTHY = 'demo-healthy';
/** The demo account whose credentials the platform rejects: suspended at once, with the reason. */
export const DEMO_REJECTED = 'demo-rejected';
/** The demo account whose connection the simulator drops about once a minute: restarts with backoff. */
export const DEMO_FLAKY = 'demo-flaky';

/**
 * How often the simulator drops the flaky demo account's session (±25 %, so every 45–75 s).
 *
 * Why a minute: the default restart intensity allows 22 restarts within 15 minutes. Drops at
 * least 45 s apart make at most 21 restarts in any 15 minutes, so the flaky account recovers
 * forever and never gets suspended (test/daemon/demo.test.ts checks it with `decideRestart` over
 * simulated hours). The former 20 s interval needed about 45 restarts per 15 minutes: the demo
 * suspended its flaky account after about 8 minutes and stopped showing recovery.
 */
export const DEMO_DROP_EVERY_MS = 60_000;

const keywords = {
  keywords: [
    { match: '/price|cost/i', reply: 'It is 10 € today.' },
    { match: 'hello', reply: 'Hello! How can I help?' },
  ],
  defaultReply: 'Thanks, we will get back to you.',
};

/**
 * The three accounts a newcomer sees when running `npm start`: connect and reply
 * (`demo-healthy`); a suspension whose reason the log states at once (`demo-rejected`: the
 * platform rejects its credentials, a non-retryable error: "account demo-rejected suspended: it
 * failed with a non-retryable error (The platform rejected the account credentials …)"); and
 * drop, backoff, restart and recovery about once a minute for as long as it runs (`demo-flaky`).
 * Seeded only into an empty store with the embedded simulator. Their tokens are demo values the
 * simulator knows, not secrets.
 *
 * @example
 * ```ts
 * for (const account of demoAccounts()) await store.put(account);
 * ```
 */
export function demoAccounts(): Account[] {
  return [
    { id: DEMO_HEALTHY, enabled: true, credentials: 'demo-token-healthy', settings: keywords },
    { id: DEMO_REJECTED, enabled: true, credentials: 'bad-demo-token', settings: {} },
    { id: DEMO_FLAKY, enabled: true, credentials: 'demo-token-flaky', settings: keywords, restart: { backoff: { minMs: 1_000, maxMs: 10_000 } } },
  ];
}

/**
 * Arms the embedded simulator's fault for the flaky demo account.
 *
 * @example
 * ```ts
 * armDemoFaults(simulator); // demo-flaky dropped every 45–75 s
 * ```
 */
export function armDemoFaults(simulator: Simulator, dropEveryMs = DEMO_DROP_EVERY_MS): void {
  simulator.dropEvery(DEMO_FLAKY, dropEveryMs);
}
