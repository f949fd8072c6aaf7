// The statevisor dashboard: sign-in, then the fleet and the accounts table (#/), one account
// (#/accounts/<id>) or the add form (#/new). Routing uses the URL's fragment only, so the page
// works at any path a reverse proxy puts it under.

import { AccountPage } from './account.js';
import { api, ApiError, token } from './api.js';
import { h, replace, setText } from './dom.js';
import { FleetView } from './fleet.js';
import { accountForm } from './form.js';
import { Live } from './live.js';
import { Store } from './store.js';
import { AccountsTable } from './table.js';

const root = document.getElementById('app');
const PROBE = 'v1/accounts/%E2%80%8Bprobe';
let session;

function start() {
  if (token.get()) signedIn();
  else signIn();
}

function signIn(message = '') {
  session?.stop();
  session = undefined;
  const input = h('input', { type: 'password', id: 'token', autocomplete: 'current-password', required: true, 'aria-describedby': 'signin-error', 'data-testid': 'token-input' });
  const error = h('p', { class: 'field-error', id: 'signin-error', role: 'alert', 'data-testid': 'signin-error' }, message);
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'signin card', 'data-testid': 'signin' },
    h('h1', {}, 'statevisor'),
    h('label', { for: 'token' }, 'API token'),
    input,
    h('small', { class: 'muted' }, 'The daemon keeps it in <data dir>/api-token (it prints the path when it starts). It stays in this tab only; closing the tab or signing out forgets it.'),
    error,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const value = input.value.trim();
    if (!value) {
      error.textContent = 'Enter the API token.';
      return;
    }
    submit.disabled = true;
    try {
      await api('GET', PROBE, { allow404: true, tokenValue: value });
      token.set(value);
      signedIn();
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) error.textContent = 'That token is not valid for this daemon. Check <data dir>/api-token.';
      else if (err instanceof ApiError && err.status === 401) error.textContent = 'Enter the API token.';
      else error.textContent = err.message;
    } finally {
      submit.disabled = false;
    }
  });
  replace(root, h('main', { class: 'center' }, form));
  input.focus();
}

function signOut(message) {
  token.clear();
  signIn(message);
}

function signedIn() {
  session?.stop();
  session = new Session();
}

class Session {
  constructor() {
    this.store = new Store();
    this.paused = false;
    this.queue = [];
    this.view = undefined;
    this.cluster = undefined;
    this.banner = h('div', { class: 'banner warn', role: 'alert', hidden: true, 'data-testid': 'reconnecting' }, 'Connection to the daemon lost: reconnecting…');
    this.pausedBanner = h('div', { class: 'banner info', hidden: true, 'data-testid': 'paused' });
    this.liveDot = h('span', { class: 'live-dot', 'data-testid': 'live-state' }, 'connecting');
    this.pauseButton = h('button', { type: 'button', 'data-testid': 'pause', 'aria-pressed': 'false', onclick: () => this.togglePause() }, 'Pause live updates');
    this.toastEl = h('div', { class: 'toast', role: 'status', 'aria-live': 'polite', 'data-testid': 'toast' });
    this.main = h('main', {});
    replace(
      root,
      h(
        'header',
        { class: 'top' },
        h('a', { class: 'brand', href: '#/' }, 'statevisor'),
        this.liveDot,
        h('span', { class: 'grow' }),
        h('a', { class: 'button', href: '#/new', 'data-testid': 'add' }, 'Add account'),
        this.pauseButton,
        h('button', { type: 'button', 'data-testid': 'signout', onclick: () => signOut('Signed out.') }, 'Sign out'),
      ),
      this.banner,
      this.pausedBanner,
      this.main,
      this.toastEl,
    );
    this.live = new Live({
      onMessage: (msg) => this.onMessage(msg),
      onState: (state) => {
        setText(this.liveDot, state);
        this.liveDot.dataset.state = state;
        this.banner.hidden = state !== 'reconnecting';
        document.body.classList.toggle('stale', state === 'reconnecting'); // what is shown may be out of date
      },
      onAuthLost: (message) => signOut(message),
    });
    this.onHash = () => this.route();
    window.addEventListener('hashchange', this.onHash);
    this.chart = this.loadChart();
    this.route();
    this.live.start();
    void this.pollCluster();
  }

  stop() {
    this.stopped = true;
    document.body.classList.remove('stale');
    this.live.stop();
    this.view?.destroy?.();
    window.removeEventListener('hashchange', this.onHash);
    clearTimeout(this.clusterTimer);
  }

  onMessage(msg) {
    if (msg.type === 'shutdown') return;
    if (this.paused) {
      if (msg.type === 'snapshot') this.queue = [];
      this.queue.push(msg);
      setText(this.pausedBanner, `Live updates paused: ${this.queue.length.toLocaleString('en')} waiting. Resume to apply them.`);
      return;
    }
    this.apply(msg);
  }

  apply(msg) {
    if (msg.type === 'snapshot') this.store.resync(msg.statuses);
    else if (msg.type === 'status') this.store.upsert(msg.status);
    else if (msg.type === 'removed') this.store.remove(msg.id);
  }

  togglePause() {
    this.paused = !this.paused;
    this.pauseButton.setAttribute('aria-pressed', String(this.paused));
    setText(this.pauseButton, this.paused ? 'Resume live updates' : 'Pause live updates');
    this.pausedBanner.hidden = !this.paused;
    if (this.paused) setText(this.pausedBanner, 'Live updates paused: 0 waiting. Resume to apply them.');
    else {
      const queue = this.queue;
      this.queue = [];
      for (const msg of queue) this.apply(msg);
    }
  }

  toast(message, error = false) {
    setText(this.toastEl, message);
    this.toastEl.classList.toggle('error', error);
    clearTimeout(this.toastTimer);
    this.toastTimer = setTimeout(() => setText(this.toastEl, ''), 6_000);
  }

  /** The lifecycle chart (`lifecycle.json`), fetched once per session; null when it cannot be loaded. */
  async loadChart() {
    try {
      const res = await fetch(new URL('lifecycle.json', document.baseURI), { cache: 'no-store', signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return await res.json();
    } catch {
      return null;
    }
  }

  // Cluster mode is detected, not configured: `GET /v1/cluster` answers 200 only there.
  async pollCluster() {
    let cluster;
    try {
      const res = await api('GET', 'v1/cluster', { allow404: true });
      cluster = res.status === 200 ? res.body : undefined;
    } catch {
      cluster = undefined;
    }
    if (this.stopped) return;
    this.cluster = cluster;
    this.view?.setCluster?.(cluster);
    this.clusterTimer = setTimeout(() => void this.pollCluster(), 10_000);
  }

  navigate(hash) {
    if (location.hash === hash) this.route();
    else location.hash = hash;
  }

  route() {
    this.view?.destroy?.();
    const hash = location.hash || '#/';
    const match = /^#\/accounts\/(.+)$/.exec(hash);
    if (match) {
      let id;
      try {
        id = decodeURIComponent(match[1]);
      } catch {
        id = match[1];
      }
      this.view = new AccountPage({ id, store: this.store, chart: this.chart, navigate: (to) => this.navigate(to), toast: (m, e) => this.toast(m, e) });
      replace(this.main, this.view.el);
      return;
    }
    if (hash === '#/new') {
      this.view = undefined;
      replace(
        this.main,
        accountForm({
          mode: 'add',
          onDone: (account) => {
            this.toast(`Added ${account.id}.`);
            this.navigate(`#/accounts/${encodeURIComponent(account.id)}`);
          },
          onCancel: () => this.navigate('#/'),
        }),
      );
      return;
    }
    this.view = new FleetPage(this.store);
    this.view.setCluster(this.cluster);
    replace(this.main, this.view.el);
    this.view.table.draw({ recompute: true, force: true });
  }
}

class FleetPage {
  constructor(store) {
    this.table = new AccountsTable(store);
    this.fleet = new FleetView(store, { onStateClick: (state) => this.table.setStateFilter(this.table.filterState === state ? '' : state) });
    this.el = h('div', { class: 'fleet-page' }, this.fleet.el, this.table.el);
    this.fleet.draw(true);
  }

  setCluster(cluster) {
    this.fleet.setCluster(cluster);
    this.table.setCluster(Boolean(cluster));
  }

  destroy() {
    this.table.destroy();
    this.fleet.destroy();
  }
}

start();
