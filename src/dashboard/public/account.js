// One account: its lifecycle statechart with the current state lit, its status and the worker's
// report, the flight recorder, and the commands (restart, enable, disable, remove, edit).

import { api, accountPath, ApiError } from './api.js';
import { confirmAction } from './confirm.js';
import { h, replace, setText } from './dom.js';
import { ago, clock, countdown, errorText, stateClass, valueText } from './format.js';
import { accountForm } from './form.js';
import { statechart } from './statechart.js';
import { timeline, whySentence } from './timeline.js';

export class AccountPage {
  constructor({ id, store, chart, navigate, toast }) {
    this.id = id;
    this.store = store;
    this.navigate = navigate;
    this.toast = toast;
    this.chart = undefined;
    this.chartCard = h('div', { class: 'card' }, h('h3', {}, 'Lifecycle'), h('p', { class: 'muted' }, 'Loading the lifecycle chart…'));
    // `chart` is a promise of the chart (null when it could not be loaded): drawn when it arrives.
    void chart.then((definition) => {
      if (this.destroyed) return;
      this.chart = definition ? statechart(definition) : undefined;
      replace(this.chartCard, h('h3', {}, 'Lifecycle'), this.chart ? this.chart.el : h('p', { class: 'muted' }, 'The lifecycle chart could not be loaded.'));
      this.draw();
    });
    this.badge = h('span', { class: 'st', 'data-testid': 'account-state' });
    this.fields = h('dl', { class: 'fields', 'data-testid': 'account-fields' });
    this.report = h('div', { 'data-testid': 'account-report' });
    this.why = h('p', { class: 'why', hidden: true, 'data-testid': 'why' });
    this.history = h('div', { 'data-testid': 'history' }, h('p', { class: 'muted' }, 'Loading the flight recorder…'));
    this.formSlot = h('div');
    this.actions = h(
      'div',
      { class: 'actions' },
      this.#action('restart', 'Restart', 'Restart this account?', 'Its task is cancelled and a new one starts at once; a suspended account resumes.'),
      this.#action('enable', 'Enable', 'Enable this account?', 'A task is started for it.'),
      this.#action('disable', 'Disable', 'Disable this account?', 'Its task is cancelled and nothing restarts it until it is enabled.'),
      h('button', { type: 'button', 'data-action': 'edit', onclick: () => this.#edit() }, 'Edit'),
      this.#action('remove', 'Remove', 'Remove this account?', 'Its task is cancelled and the account is deleted from the store. This cannot be undone.'),
    );
    this.gone = h('p', { class: 'banner warn', hidden: true, role: 'status' }, 'This account no longer exists.');
    this.el = h(
      'section',
      { class: 'account-page', 'aria-label': 'Account' },
      h('p', {}, h('a', { href: '#/' }, '← All accounts')),
      h('h2', {}, h('span', { class: 'account-id', 'data-testid': 'account-id' }, id), ' ', this.badge),
      this.gone,
      this.actions,
      this.formSlot,
      h('div', { class: 'account-grid' }, h('div', { class: 'card' }, h('h3', {}, 'Status'), this.fields), h('div', { class: 'card' }, h('h3', {}, 'Worker report'), this.report)),
      this.chartCard,
      h('div', { class: 'card' }, h('h3', {}, 'Flight recorder'), this.why, this.history),
    );
    this.unsubscribe = store.subscribe(() => this.draw());
    this.ticker = setInterval(() => this.draw(), 1000);
    this.draw();
    void this.loadHistory();
  }

  destroy() {
    this.destroyed = true;
    this.unsubscribe();
    clearInterval(this.ticker);
  }

  #action(name, label, title, detail) {
    return h(
      'button',
      {
        type: 'button',
        'data-action': name,
        class: name === 'remove' ? 'danger' : undefined,
        onclick: async () => {
          if (!(await confirmAction(title, `${this.id}: ${detail}`, label))) return;
          try {
            if (name === 'remove') {
              await api('DELETE', accountPath(this.id));
              this.toast(`Removed ${this.id}.`);
              this.navigate('#/');
              return;
            }
            await api('POST', accountPath(this.id, `/${name}`));
            this.toast(`${label}: done.`);
            void this.loadHistory();
          } catch (err) {
            this.toast(err instanceof ApiError ? err.message : String(err), true);
          }
        },
      },
      label,
    );
  }

  #edit() {
    const status = this.store.accounts.get(this.id);
    replace(
      this.formSlot,
      accountForm({
        mode: 'edit',
        id: this.id,
        enabled: status ? status.enabled : true,
        onDone: () => {
          replace(this.formSlot);
          this.toast('Saved.');
        },
        onCancel: () => replace(this.formSlot),
      }),
    );
  }

  async loadHistory() {
    let res;
    try {
      res = await api('GET', accountPath(this.id, '/history'), { allow404: true });
    } catch (err) {
      replace(this.history, h('p', { class: 'muted' }, `The flight recorder could not be read: ${err.message}`));
      return;
    }
    if (res.status === 404) {
      replace(this.history, h('p', { class: 'muted', 'data-testid': 'no-history' }, 'No history available.'));
      this.why.hidden = true;
      return;
    }
    const why = whySentence(res.body);
    this.why.hidden = !why;
    setText(this.why, why ?? '');
    replace(this.history, timeline(res.body));
  }

  draw() {
    const status = this.store.accounts.get(this.id);
    this.gone.hidden = !(this.store.synced && !status);
    if (!status) return;
    if (this.badge.dataset.state !== status.state) {
      this.badge.className = `st st-${stateClass(status.state)}`;
      this.badge.dataset.state = status.state;
      setText(this.badge, status.state);
    }
    this.chart?.highlight(status.state);
    const rows = [
      ['Enabled', status.enabled ? 'yes' : 'no'],
      ['State since', `${clock(status.since)} (${ago(status.since)})`],
      ['Incarnation', String(status.incarnation)],
      ['Restarts', String(status.restarts)],
      ['Last error', errorText(status) || '—'],
      ['Next restart', status.state === 'backoff' ? `${countdown(status.nextRestartAt)} (${clock(status.nextRestartAt)})` : '—'],
    ];
    if (status.suspendedBecause) rows.push(['Suspended because', status.suspendedBecause === 'intensity' ? 'too many restarts in the intensity window' : 'the worker failed with a non-retryable error']);
    if (status.leaked) rows.push(['Leaked', 'the worker ignored cancellation and is still alive']);
    if (status.node !== undefined) rows.push(['Node', String(status.node)]);
    replace(this.fields, rows.map(([k, v]) => [h('dt', {}, k), h('dd', { 'data-field': k }, v)]));
    const report = status.report && typeof status.report === 'object' ? Object.entries(status.report) : [];
    if (report.length === 0) replace(this.report, h('p', { class: 'muted' }, 'The worker has reported nothing.'));
    else replace(this.report, h('dl', { class: 'fields' }, report.map(([k, v]) => [h('dt', {}, k), h('dd', {}, valueText(v))])));
  }
}
