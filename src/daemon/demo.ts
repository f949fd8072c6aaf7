import type { Account } from '../account.js';
import type { Simulator } from '../simulator/index.js';

/** The demo account that keeps a healthy, auto-replying session. */
export const DEMO_HEALTHY = 'demo-healthy';
/** The demo account whose credentials the platform rejects: suspended at once, with the reason. */
export const DEMO_REJECTED = 'demo-rejected';
/** The demo account whose connection the simulator drops about every 20 s: restarts with backoff. */
export const DEMO_FLAKY = 'demo-flaky';

const keywords = {
  keywords: [
    { match: '/price|cost/i', reply: 'It is 10 € today.' },
    { match: 'hello', reply: 'Hello! How can I help?' },
  ],
  defaultReply: 'Thanks, we will get back to you.',
};

/**
 * The three accounts a newcomer sees in the first minute of `npm start`: connect, reply,
 * failure, backoff, restart and suspension. Seeded only into an empty store with the embedded
 * simulator. Their tokens are demo values the simulator knows, not secrets.
 */
export function demoAccounts(): Account[] {
  return [
    { id: DEMO_HEALTHY, enabled: true, credentials: 'demo-token-healthy', settings: keywords },
    { id: DEMO_REJECTED, enabled: true, credentials: 'bad-demo-token', settings: {} },
    { id: DEMO_FLAKY, enabled: true, credentials: 'demo-token-flaky', settings: keywords, restart: { backoff: { minMs: 1_000, maxMs: 10_000 } } },
  ];
}

/** Arms the embedded simulator's fault for the flaky demo account. */
export function armDemoFaults(simulator: Simulator, dropEveryMs = 20_000): void {
  simulator.dropEvery(DEMO_FLAKY, dropEveryMs);
}
