// The fleet at a glance: how many accounts are in each state (suspended first, each a filter),
// restarts per minute over the last hour, the suspended accounts by name, and in cluster mode the
// nodes and how many accounts each holds.

import { h, replace, s, setText } from './dom.js';
import { errorText, valueText } from './format.js';
import { STATES } from './store.js';

const CHART_W = 900;
const CHART_H = 90;
const SUSPENDED_SHOWN = 8;
const BECAUSE = { intensity: 'too many restarts', nonRetryable: 'not retryable' };

export class FleetView {
  constructor(store, { onStateClick }) {
    this.store = store;
    this.cluster = undefined;
    this.chips = new Map();
    const chips = STATES.map((state) => {
      const n = h('strong', {}, '0');
      const chip = h('button', { type: 'button', class: `chip st-${state}`, 'data-state': state, onclick: () => onStateClick(state) }, n, h('span', {}, state));
      this.chips.set(state, n);
      return chip;
    });
    this.total = h('strong', {}, '0');
    this.chart = s('svg', { viewBox: `0 0 ${CHART_W} ${CHART_H + 16}`, class: 'chart', role: 'img', 'aria-label': 'Restarts per minute over the last hour', 'data-testid': 'restarts-chart' });
    this.chartTotal = h('span', { class: 'muted' });
    this.suspended = h('ul', { class: 'suspended', 'data-testid': 'suspended-list' });
    this.nodes = h('section', { class: 'nodes', hidden: true, 'data-testid': 'cluster-nodes' });
    this.el = h(
      'section',
      { class: 'fleet', 'aria-label': 'Fleet' },
      h('div', { class: 'chips' }, h('div', { class: 'chip total' }, this.total, h('span', {}, 'accounts')), chips),
      h(
        'div',
        { class: 'fleet-row' },
        h('figure', { class: 'card' }, h('figcaption', {}, 'Restarts per minute, last hour ', this.chartTotal), this.chart),
        h('div', { class: 'card' }, h('h3', {}, 'Suspended'), this.suspended),
      ),
      this.nodes,
    );
    this.lastChart = 0;
    this.unsubscribe = store.subscribe(() => this.draw());
    this.ticker = setInterval(() => this.draw(true), 5_000);
  }

  destroy() {
    this.unsubscribe();
    clearInterval(this.ticker);
    clearTimeout(this.suspendedTimer);
    clearTimeout(this.chartTimer);
  }

  draw(forceChart = false) {
    let total = 0;
    for (const state of STATES) {
      const n = this.store.counts[state] ?? 0;
      total += n;
      setText(this.chips.get(state), n.toLocaleString('en'));
    }
    setText(this.total, total.toLocaleString('en'));
    const now = performance.now();
    if (forceChart || now - this.lastChart > 1000) {
      clearTimeout(this.chartTimer);
      this.chartTimer = undefined;
      this.lastChart = now;
      this.#drawChart();
      if (this.cluster) this.#drawNodes();
    } else if (!this.chartTimer) {
      // At most once a second, and the last change is drawn too.
      this.chartTimer = setTimeout(() => ((this.chartTimer = undefined), this.draw()), 1000 - (now - this.lastChart));
    }
    // The suspended list follows state changes, at most twice a second (it walks every account).
    if (this.suspendedShape !== this.store.shapeVersion && !this.suspendedTimer) {
      const wait = Math.max(0, 500 - (now - (this.lastSuspended ?? 0)));
      this.suspendedTimer = setTimeout(() => {
        this.suspendedTimer = undefined;
        this.lastSuspended = performance.now();
        this.suspendedShape = this.store.shapeVersion;
        this.#drawSuspended();
      }, wait);
    }
  }

  #drawChart() {
    const values = this.store.restartsPerMinute();
    const max = Math.max(1, ...values);
    const w = CHART_W / values.length;
    const bars = values.map((v, i) => {
      const bh = (v / max) * CHART_H;
      return s('rect', { x: (i * w + 1).toFixed(1), y: (CHART_H - bh).toFixed(1), width: (w - 2).toFixed(1), height: bh.toFixed(1), class: 'bar' }, s('title', {}, `${60 - i} min ago: ${v}`));
    });
    replace(
      this.chart,
      s('line', { x1: 0, y1: CHART_H + 0.5, x2: CHART_W, y2: CHART_H + 0.5, class: 'axis' }),
      bars,
      s('text', { x: 0, y: CHART_H + 14, class: 'tick' }, '−60 min'),
      s('text', { x: CHART_W, y: CHART_H + 14, class: 'tick', 'text-anchor': 'end' }, 'now'),
      s('text', { x: 2, y: 10, class: 'tick' }, `max ${max}/min`),
    );
    setText(this.chartTotal, `(${values.reduce((a, b) => a + b, 0)} seen by this tab)`);
  }

  #drawSuspended() {
    const items = [];
    let more = 0;
    for (const status of this.store.accounts.values()) {
      if (status.state !== 'suspended') continue;
      if (items.length >= SUSPENDED_SHOWN) {
        more += 1;
        continue;
      }
      items.push(h('li', {}, h('a', { href: `#/accounts/${encodeURIComponent(status.id)}` }, status.id), h('span', { class: 'muted' }, ` ${BECAUSE[status.suspendedBecause] ?? ''}: ${errorText(status)}`)));
    }
    if (items.length === 0) items.push(h('li', { class: 'muted' }, 'None.'));
    if (more > 0) items.push(h('li', { class: 'muted' }, `and ${more} more (filter by "suspended")`));
    replace(this.suspended, items);
  }

  /** `GET /v1/cluster` answered 200: show its nodes. */
  setCluster(cluster) {
    this.cluster = cluster;
    this.nodes.hidden = !cluster;
    if (cluster) this.#drawNodes();
  }

  #drawNodes() {
    const held = new Map();
    for (const status of this.store.accounts.values()) if (status.node !== undefined) held.set(String(status.node), (held.get(String(status.node)) ?? 0) + 1);
    const nodes = Array.isArray(this.cluster.nodes) ? this.cluster.nodes : [];
    const rows = nodes.map((node) => {
      const id = String(node.id ?? node.nodeId ?? '?');
      const shards = Array.isArray(node.shards) ? node.shards.length : node.shards ?? node.shardsHeld;
      const age = node.heartbeatAgeMs ?? node.heartbeatAge;
      return h(
        'tr',
        { 'data-node': id },
        h('td', {}, id),
        h('td', {}, String(held.get(id) ?? 0)),
        h('td', {}, shards === undefined ? '' : valueText(shards)),
        h('td', {}, age === undefined ? '' : `${Math.round(Number(age) / 1000)} s`),
        h('td', {}, node.draining ? 'draining' : ''),
      );
    });
    replace(
      this.nodes,
      h('h3', {}, `Cluster: ${nodes.length} node${nodes.length === 1 ? '' : 's'}`),
      h('table', { class: 'kv' }, h('thead', {}, h('tr', {}, ['Node', 'Accounts', 'Shards', 'Heartbeat', ''].map((t) => h('th', {}, t)))), h('tbody', {}, rows)),
    );
  }
}
