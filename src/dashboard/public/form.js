// Add and edit an account. Each field shows its own error: the API's (it names the `field` it
// refused, e.g. `restart.backoff.minMs`) or the page's (JSON that does not parse). Credentials
// are write-only: the field starts empty, is never filled from the daemon (which never sends
// them), and an empty field on edit leaves them unchanged.

import { api, accountPath, ApiError } from './api.js';
import { h } from './dom.js';

const FIELDS = ['id', 'enabled', 'credentials', 'settings', 'restart'];

/** `mode` is 'add' or 'edit'; `onDone(account)` after the daemon accepted it. */
export function accountForm({ mode, id, enabled = true, onDone, onCancel }) {
  const errors = {};
  const inputs = {};
  const field = (name, label, input, hint) => {
    inputs[name] = input;
    input.id = `f-${name}`;
    input.name = name;
    errors[name] = h('span', { class: 'field-error', id: `e-${name}`, 'data-testid': `error-${name}`, role: 'alert' });
    input.setAttribute('aria-describedby', `e-${name}`);
    return h('div', { class: 'field', 'data-field': name }, h('label', { for: `f-${name}` }, label), input, hint ? h('small', { class: 'muted' }, hint) : null, errors[name]);
  };
  const general = h('p', { class: 'field-error', role: 'alert', 'data-testid': 'error-form' });
  const idInput = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
  if (mode === 'edit') {
    idInput.value = id;
    idInput.readOnly = true;
  }
  const enabledInput = h('input', { type: 'checkbox' });
  enabledInput.checked = enabled;
  const credentials = h('input', { type: 'password', autocomplete: 'new-password', placeholder: mode === 'edit' ? 'unchanged (write-only)' : 'token for the platform' });
  const settings = h('textarea', { rows: 4, spellcheck: 'false', placeholder: mode === 'edit' ? 'unchanged; a JSON object replaces the settings' : '{ }' });
  const restart = h('textarea', { rows: 3, spellcheck: 'false', placeholder: mode === 'edit' ? 'unchanged; JSON, e.g. { "backoff": { "minMs": 1000 } }' : 'default policy; JSON, e.g. { "backoff": { "minMs": 1000 } }' });
  const submit = h('button', { type: 'submit', class: 'primary' }, mode === 'add' ? 'Add account' : 'Save');
  const form = h(
    'form',
    { class: 'account-form', 'data-testid': `${mode}-form`, novalidate: true },
    h('h2', {}, mode === 'add' ? 'Add an account' : 'Edit account'),
    field('id', 'Id', idInput),
    field('enabled', 'Enabled', enabledInput),
    field('credentials', 'Credentials', credentials, 'Write-only: never shown again, never sent back by the daemon.'),
    field('settings', 'Settings (JSON)', settings),
    field('restart', 'Restart policy (JSON)', restart),
    general,
    h('div', { class: 'actions' }, submit, h('button', { type: 'button', onclick: onCancel }, 'Cancel')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void send();
  });

  const clear = () => {
    for (const name of FIELDS) {
      errors[name].textContent = '';
      inputs[name].removeAttribute('aria-invalid');
    }
    general.textContent = '';
  };
  const show = (name, message) => {
    const target = FIELDS.includes(name) ? name : undefined;
    if (!target) {
      general.textContent = message;
      return;
    }
    errors[target].textContent = message;
    inputs[target].setAttribute('aria-invalid', 'true');
    inputs[target].focus();
  };
  const json = (name, input) => {
    const text = input.value.trim();
    if (text === '') return undefined;
    try {
      return JSON.parse(text);
    } catch (err) {
      throw Object.assign(new Error(`is not valid JSON (${err.message})`), { field: name });
    }
  };

  async function send() {
    clear();
    const body = {};
    try {
      if (mode === 'add') body.id = idInput.value;
      body.enabled = enabledInput.checked;
      if (credentials.value !== '') body.credentials = credentials.value;
      const s = json('settings', settings);
      if (s !== undefined) body.settings = s;
      const r = json('restart', restart);
      if (r !== undefined) body.restart = r;
    } catch (err) {
      show(err.field, `${err.field} ${err.message}`);
      return;
    }
    submit.disabled = true;
    try {
      const res = mode === 'add' ? await api('POST', 'v1/accounts', { body }) : await api('PATCH', accountPath(id), { body });
      credentials.value = '';
      onDone(res.body.account);
    } catch (err) {
      if (err instanceof ApiError && err.field) show(String(err.field).split('.')[0], err.message);
      else if (err instanceof ApiError && err.code === 'ACCOUNT_EXISTS') show('id', err.message);
      else show(undefined, err.message);
    } finally {
      submit.disabled = false;
    }
  }
  return form;
}
