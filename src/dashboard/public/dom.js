// Builds DOM nodes. Text only ever goes through text nodes and attributes through setAttribute,
// never parsed as markup: a value from the API (an account id like `<img src=x onerror=…>`)
// always shows as its characters. This file is the only place elements are made.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * h('div', { class: 'row', onclick: fn }, 'text', child) → an element.
 * Attributes starting with `on` are listeners; `false`/`null`/`undefined` attributes are skipped;
 * strings and numbers among the children become text nodes.
 */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** Same as h() for SVG elements. */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces every child of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Sets a text node's value only when it changed (the hot path of the table). */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}
