// A confirmation dialog (the native <dialog>): resolves true only when the operator confirms.

import { h } from './dom.js';

export function confirmAction(title, detail, confirmLabel) {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'button', class: 'danger', 'data-testid': 'confirm-ok' }, confirmLabel);
    const cancel = h('button', { type: 'button', 'data-testid': 'confirm-cancel' }, 'Cancel');
    const dialog = h('dialog', { class: 'confirm', 'aria-label': title }, h('h3', {}, title), h('p', {}, detail), h('div', { class: 'actions' }, ok, cancel));
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    ok.addEventListener('click', () => done(true));
    cancel.addEventListener('click', () => done(false));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
