// The page's copy of the status read model, fed by the live stream: a snapshot replaces it all
// (that is the resync after a reconnect), then `status` and `removed` messages change one account
// each. Views subscribe and redraw at most once per animation frame.

export const STATES = ['suspended', 'failed', 'backoff', 'loading', 'cancelling', 'running', 'cleaned', 'disabled'];
const BUCKETS_KEY = 'statevisor.restartsPerMinute';
const MINUTE = 60_000;

export class Store {
  constructor() {
    /** id → AccountStatus */
    this.accounts = new Map();
    /** state → how many accounts are in it */
    this.counts = Object.fromEntries(STATES.map((s) => [s, 0]));
    /** Bumped when the set of ids or a field the table sorts or filters by changes. */
    this.shapeVersion = 0;
    /** Ids whose status changed since the views last drew. */
    this.changed = new Set();
    this.synced = false;
    this.listeners = new Set();
    this.scheduled = false;
    this.restartBuckets = loadBuckets();
  }

  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** A `snapshot` message: the whole fleet as the daemon sees it now. */
  resync(statuses) {
    const next = new Map();
    for (const status of statuses) {
      this.#countRestarts(this.accounts.get(status.id), status);
      next.set(status.id, status);
    }
    this.accounts = next;
    this.counts = Object.fromEntries(STATES.map((s) => [s, 0]));
    for (const status of next.values()) this.counts[status.state] = (this.counts[status.state] ?? 0) + 1;
    this.synced = true;
    this.shapeVersion += 1;
    this.changed.clear();
    this.allChanged = true;
    this.#notify();
  }

  /** A `status` message. */
  upsert(status) {
    const before = this.accounts.get(status.id);
    this.#countRestarts(before, status);
    this.accounts.set(status.id, status);
    if (before) this.counts[before.state] -= 1;
    this.counts[status.state] = (this.counts[status.state] ?? 0) + 1;
    if (!before || orderMoved(before, status)) this.shapeVersion += 1;
    this.changed.add(status.id);
    this.#notify();
  }

  /** A `removed` message. */
  remove(id) {
    const before = this.accounts.get(id);
    if (!before) return;
    this.accounts.delete(id);
    this.counts[before.state] -= 1;
    this.shapeVersion += 1;
    this.changed.add(id);
    this.#notify();
  }

  /** Restarts per minute over the last hour, oldest first: 60 numbers. */
  restartsPerMinute(now = Date.now()) {
    const current = Math.floor(now / MINUTE);
    const out = [];
    for (let m = current - 59; m <= current; m += 1) out.push(this.restartBuckets[m] ?? 0);
    return out;
  }

  #countRestarts(before, after) {
    // A drop in the counter means the daemon restarted (counters are per process): not restarts.
    const delta = before ? after.restarts - before.restarts : 0;
    if (delta <= 0) return;
    const minute = Math.floor(Date.now() / MINUTE);
    this.restartBuckets[minute] = (this.restartBuckets[minute] ?? 0) + delta;
    this.bucketsDirty = true;
  }

  #notify() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      if (this.bucketsDirty) saveBuckets(this.restartBuckets);
      this.bucketsDirty = false;
      for (const fn of this.listeners) fn(this);
      this.changed.clear();
      this.allChanged = false;
    });
  }
}

// A change that can move the account in the table's order or filter; a `report` alone cannot.
function orderMoved(a, b) {
  return (
    a.state !== b.state ||
    a.since !== b.since ||
    a.nextRestartAt !== b.nextRestartAt ||
    a.restarts !== b.restarts ||
    a.incarnation !== b.incarnation ||
    a.node !== b.node ||
    a.lastError?.message !== b.lastError?.message ||
    a.lastError?.code !== b.lastError?.code
  );
}

// The chart's history is kept in this tab (sessionStorage), so a reload does not empty it; the
// daemon keeps no per-minute history of its own.
function loadBuckets() {
  try {
    const raw = JSON.parse(sessionStorage.getItem(BUCKETS_KEY) || '{}');
    const oldest = Math.floor(Date.now() / MINUTE) - 59;
    return Object.fromEntries(Object.entries(raw).filter(([m, n]) => Number(m) >= oldest && Number.isFinite(n)));
  } catch {
    return {};
  }
}

function saveBuckets(buckets) {
  const oldest = Math.floor(Date.now() / MINUTE) - 59;
  for (const m of Object.keys(buckets)) if (Number(m) < oldest) delete buckets[m];
  sessionStorage.setItem(BUCKETS_KEY, JSON.stringify(buckets));
}
