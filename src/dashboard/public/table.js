// The accounts table. Only the rows in view exist in the DOM (a fixed pool, moved and refilled
// on scroll), so 10,000 accounts cost what 40 do. Sorting and filtering run over the store's
// Map, at most four times a second while updates stream in; row contents refresh every frame.

import { h, setText } from './dom.js';
import { ago, countdown, errorText, stateClass } from './format.js';
import { STATES } from './store.js';

const ROW_H = 28;
const OVERSCAN = 6;
const RECOMPUTE_MS = 250;
const PINS_KEY = 'statevisor.pinned';

const COLUMNS = [
  { key: 'pin', label: '', sortable: false },
  { key: 'id', label: 'Account' },
  { key: 'state', label: 'State' },
  { key: 'since', label: 'Since' },
  { key: 'incarnation', label: 'Inc.' },
  { key: 'restarts', label: 'Restarts' },
  { key: 'lastError', label: 'Last error' },
  { key: 'nextRestartAt', label: 'Next restart' },
  { key: 'node', label: 'Node', cluster: true },
];

const byString = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const rank = Object.fromEntries(STATES.map((s, i) => [s, i]));
const COMPARE = {
  // Default: what needs attention first (suspended, failed, backoff…), then by id.
  attention: (a, b) => (rank[a.state] ?? 99) - (rank[b.state] ?? 99) || byString(a.id, b.id),
  id: (a, b) => byString(a.id, b.id),
  state: (a, b) => byString(a.state, b.state) || byString(a.id, b.id),
  since: (a, b) => a.since - b.since || byString(a.id, b.id),
  incarnation: (a, b) => a.incarnation - b.incarnation || byString(a.id, b.id),
  restarts: (a, b) => a.restarts - b.restarts || byString(a.id, b.id),
  lastError: (a, b) => byString(errorText(a), errorText(b)) || byString(a.id, b.id),
  nextRestartAt: (a, b) => (a.nextRestartAt ?? Infinity) - (b.nextRestartAt ?? Infinity) || byString(a.id, b.id),
  node: (a, b) => byString(String(a.node ?? ''), String(b.node ?? '')) || byString(a.id, b.id),
};

export class AccountsTable {
  constructor(store) {
    this.store = store;
    this.filterText = '';
    this.filterState = '';
    this.sortKey = 'attention';
    this.sortDir = 1;
    this.cluster = false;
    this.pinned = new Set(loadPins());
    this.view = [];
    this.viewShape = -1;
    this.lastRecompute = 0;
    this.pool = [];
    this.pinRows = new Map();
    this.el = this.#build();
    // Ids changed since the order was last computed: re-placed one by one (a binary insert each)
    // instead of sorting all 10,000 again, unless the whole set changed.
    this.dirty = new Set();
    this.allDirty = true;
    this.unsubscribe = store.subscribe(() => {
      if (store.allChanged) this.allDirty = true;
      else for (const id of store.changed) this.dirty.add(id);
      this.draw();
    });
    this.ticker = setInterval(() => this.draw({ tick: true }), 1000);
    this.resizeObserver = new ResizeObserver(() => this.draw({ force: true }));
    this.resizeObserver.observe(this.scroller);
  }

  destroy() {
    this.unsubscribe();
    clearInterval(this.ticker);
    clearTimeout(this.pending);
    this.resizeObserver.disconnect();
  }

  setCluster(on) {
    if (this.cluster === on) return;
    this.cluster = on;
    this.el.classList.toggle('with-node', on);
    this.draw({ force: true });
  }

  setStateFilter(state) {
    this.filterState = state;
    this.stateSelect.value = state;
    this.draw({ recompute: true });
  }

  #build() {
    this.count = h('span', { class: 'count', 'data-testid': 'count' });
    this.textInput = h('input', { type: 'search', placeholder: 'Filter by id or error…', 'aria-label': 'Filter accounts by text', 'data-testid': 'filter-text' });
    this.textInput.addEventListener('input', () => {
      this.filterText = this.textInput.value.trim().toLowerCase();
      this.draw({ recompute: true });
    });
    this.stateSelect = h('select', { 'aria-label': 'Filter accounts by state', 'data-testid': 'filter-state' }, h('option', { value: '' }, 'All states'), STATES.map((s) => h('option', { value: s }, s)));
    this.stateSelect.addEventListener('change', () => this.setStateFilter(this.stateSelect.value));
    this.header = h(
      'div',
      { class: 'vrow head', role: 'row' },
      COLUMNS.map((c) => {
        const cell = h('span', { class: `c c-${c.key}`, role: 'columnheader' });
        if (c.sortable === false) return cell;
        const button = h('button', { type: 'button', class: 'sort', 'data-sort': c.key, onclick: () => this.#sortBy(c.key) }, c.label);
        cell.appendChild(button);
        return cell;
      }),
    );
    this.pins = h('div', { class: 'pins', 'data-testid': 'pinned-rows' });
    this.spacer = h('div', { class: 'spacer' });
    this.scroller = h('div', { class: 'scroller', role: 'rowgroup', 'data-testid': 'table-body' }, this.spacer);
    this.scroller.addEventListener('scroll', () => this.draw({ scroll: true }), { passive: true });
    this.empty = h('div', { class: 'empty', hidden: true });
    return h(
      'section',
      { class: 'accounts', 'aria-label': 'Accounts' },
      h('div', { class: 'toolbar' }, this.textInput, this.stateSelect, this.count),
      h('div', { class: 'table', role: 'table', 'aria-label': 'Accounts' }, this.header, this.pins, this.scroller, this.empty),
    );
  }

  #sortBy(key) {
    if (this.sortKey === key) this.sortDir = -this.sortDir;
    else {
      this.sortKey = key;
      this.sortDir = 1;
    }
    for (const b of this.header.querySelectorAll('button.sort')) {
      const on = b.dataset.sort === this.sortKey;
      b.parentElement.setAttribute('aria-sort', on ? (this.sortDir === 1 ? 'ascending' : 'descending') : 'none');
    }
    this.draw({ recompute: true });
  }

  #matches(status) {
    const { filterText, filterState } = this;
    if (filterState && status.state !== filterState) return false;
    return !filterText || status.id.toLowerCase().includes(filterText) || errorText(status).toLowerCase().includes(filterText);
  }

  #compare() {
    const compare = COMPARE[this.sortKey];
    return this.sortDir === 1 ? compare : (a, b) => compare(b, a);
  }

  /** `full`: filter and sort every account (a new filter or order, a snapshot); else re-place the changed ones. */
  #recompute(full) {
    const accounts = this.store.accounts;
    const compare = this.#compare();
    if (full || this.allDirty || this.dirty.size > 1_000) {
      const rows = [];
      for (const status of accounts.values()) if (this.#matches(status)) rows.push(status);
      rows.sort(compare);
      this.view = rows.map((r) => r.id);
    } else if (this.dirty.size > 0) {
      const dirty = this.dirty;
      const view = this.view.filter((id) => !dirty.has(id));
      for (const id of dirty) {
        const status = accounts.get(id);
        if (!status || !this.#matches(status)) continue;
        let lo = 0;
        let hi = view.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (compare(accounts.get(view[mid]), status) <= 0) lo = mid + 1;
          else hi = mid;
        }
        view.splice(lo, 0, id);
      }
      this.view = view;
    }
    this.dirty = new Set();
    this.allDirty = false;
    this.viewShape = this.store.shapeVersion;
    this.lastRecompute = performance.now();
    this.spacer.style.height = `${this.view.length * ROW_H}px`;
    setText(this.count, `${this.view.length.toLocaleString('en')} of ${accounts.size.toLocaleString('en')} accounts`);
    this.empty.hidden = this.view.length > 0 || !this.store.synced;
    this.empty.textContent = accounts.size === 0 ? 'No accounts yet. Add one with "Add account".' : 'No account matches the filter.';
  }

  /** Redraws what is in view. Recomputes order and filter when asked, or when states changed (throttled). */
  draw({ recompute = false, force = false } = {}) {
    const stale = this.viewShape !== this.store.shapeVersion;
    if (recompute || (stale && performance.now() - this.lastRecompute >= RECOMPUTE_MS)) this.#recompute(recompute);
    else if (stale && !this.pending) this.pending = setTimeout(() => ((this.pending = undefined), this.draw()), RECOMPUTE_MS);
    this.#drawPins();
    const top = this.scroller.scrollTop;
    const height = this.scroller.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const last = Math.min(this.view.length, Math.ceil((top + height) / ROW_H) + OVERSCAN);
    const needed = last - first;
    while (this.pool.length < needed) {
      const row = this.#row();
      this.pool.push(row);
      this.scroller.appendChild(row.el);
    }
    for (let i = 0; i < this.pool.length; i += 1) {
      const row = this.pool[i];
      const index = first + i;
      if (index >= last) {
        if (!row.el.hidden) row.el.hidden = true;
        row.id = undefined;
        continue;
      }
      const id = this.view[index];
      const status = this.store.accounts.get(id);
      row.el.hidden = false;
      if (row.index !== index || force) {
        row.index = index;
        row.el.style.transform = `translateY(${index * ROW_H}px)`;
      }
      this.#fill(row, status ?? { id, state: 'removed' });
    }
  }

  #drawPins() {
    for (const [id, row] of this.pinRows) {
      if (!this.pinned.has(id)) {
        row.el.remove();
        this.pinRows.delete(id);
      }
    }
    for (const id of this.pinned) {
      let row = this.pinRows.get(id);
      if (!row) {
        row = this.#row();
        row.el.classList.add('pinned');
        this.pinRows.set(id, row);
        this.pins.appendChild(row.el);
      }
      this.#fill(row, this.store.accounts.get(id) ?? { id, state: 'removed' });
    }
  }

  #row() {
    const cells = {};
    const el = h('div', { class: 'vrow', role: 'row' });
    for (const c of COLUMNS) {
      const cell = h('span', { class: `c c-${c.key}`, role: 'cell' });
      cells[c.key] = cell;
      el.appendChild(cell);
    }
    const pin = h('button', { type: 'button', class: 'pin', 'aria-label': 'Pin this row', title: 'Pin to the top' }, '☆');
    cells.pin.appendChild(pin);
    const link = h('a', { class: 'id' });
    cells.id.appendChild(link);
    const badge = h('span', { class: 'st' });
    cells.state.appendChild(badge);
    const row = { el, cells, pin, link, badge, id: undefined, index: -1, state: undefined };
    pin.addEventListener('click', () => this.#togglePin(row.id));
    return row;
  }

  #fill(row, status) {
    const now = Date.now();
    if (row.id !== status.id) {
      row.id = status.id;
      row.el.dataset.id = status.id;
      row.link.setAttribute('href', `#/accounts/${encodeURIComponent(status.id)}`);
      setText(row.link, status.id);
      row.link.title = status.id;
    }
    const pinned = this.pinned.has(status.id);
    setText(row.pin, pinned ? '★' : '☆');
    row.pin.setAttribute('aria-pressed', String(pinned));
    if (row.state !== status.state) {
      row.state = status.state;
      row.badge.className = `st st-${stateClass(status.state)}`;
      setText(row.badge, status.state);
      row.el.dataset.state = stateClass(status.state);
    }
    setText(row.cells.since, ago(status.since, now));
    setText(row.cells.incarnation, status.incarnation === undefined ? '' : String(status.incarnation));
    setText(row.cells.restarts, status.restarts === undefined ? '' : String(status.restarts));
    const error = errorText(status);
    setText(row.cells.lastError, error);
    if (row.cells.lastError.title !== error) row.cells.lastError.title = error;
    setText(row.cells.nextRestartAt, status.state === 'backoff' ? countdown(status.nextRestartAt, now) : '');
    setText(row.cells.node, status.node === undefined ? '' : String(status.node));
  }

  #togglePin(id) {
    if (id === undefined) return;
    if (this.pinned.has(id)) this.pinned.delete(id);
    else this.pinned.add(id);
    sessionStorage.setItem(PINS_KEY, JSON.stringify([...this.pinned]));
    this.draw({ force: true });
  }
}

function loadPins() {
  try {
    const ids = JSON.parse(sessionStorage.getItem(PINS_KEY) || '[]');
    return Array.isArray(ids) ? ids.filter((id) => typeof id === 'string') : [];
  } catch {
    return [];
  }
}
