// The flight recorder of one account (`GET /v1/accounts/:id/history`): a band of states over
// time, a mark per decision, command or error, and the entries as a list, newest first. The
// entry format is read loosely (time in `at`/`time`/`ts`, the new state in `to`/`state`), so the
// page keeps working while that endpoint evolves.

import { h, s } from './dom.js';
import { stateClass, valueText } from './format.js';

const W = 800;
const BAND_H = 22;

/** The entries of a history response, oldest first, each with a numeric `t`. */
export function historyEntries(body) {
  const raw = Array.isArray(body) ? body : (body && (body.history ?? body.entries ?? body.events)) || [];
  const out = [];
  for (const entry of Array.isArray(raw) ? raw : []) {
    if (!entry || typeof entry !== 'object') continue;
    const when = entry.at ?? entry.time ?? entry.ts ?? entry.timestamp;
    const t = typeof when === 'number' ? when : Date.parse(String(when));
    if (Number.isFinite(t)) out.push({ t, entry });
  }
  return out.sort((a, b) => a.t - b.t);
}

/** The plain-words sentence of a history response, if it carries one. */
export function whySentence(body) {
  const why = body && !Array.isArray(body) ? (body.why ?? body.sentence ?? body.explanation) : undefined;
  return typeof why === 'string' ? why : typeof why?.text === 'string' ? why.text : undefined;
}

const kindOf = (entry) => String(entry.kind ?? entry.type ?? 'event');
const stateOf = (entry) => (typeof entry.to === 'string' ? entry.to : typeof entry.state === 'string' ? entry.state : undefined);
const SKIP = new Set(['at', 'time', 'ts', 'timestamp', 'kind', 'type']);

function describe(entry) {
  const parts = [];
  for (const [key, value] of Object.entries(entry)) {
    if (SKIP.has(key) || value === undefined || value === null) continue;
    parts.push(`${key}: ${valueText(value)}`);
  }
  return parts.join(' · ');
}

export function timeline(body, now = Date.now()) {
  const entries = historyEntries(body);
  if (entries.length === 0) return h('p', { class: 'muted', 'data-testid': 'timeline-empty' }, 'The flight recorder has no entries for this account yet.');
  const start = entries[0].t;
  const span = Math.max(1, now - start);
  const x = (t) => ((t - start) / span) * W;
  const band = [];
  const marks = [];
  let open;
  for (const { t, entry } of entries) {
    const state = stateOf(entry);
    if (state) {
      if (open) band.push({ ...open, end: t });
      open = { state, begin: t };
    } else marks.push({ t, entry });
  }
  if (open) band.push({ ...open, end: now });
  const svg = s(
    'svg',
    { viewBox: `0 0 ${W} ${BAND_H + 34}`, class: 'timeline', role: 'img', 'aria-label': 'States over time', 'data-testid': 'timeline' },
    band.map((seg) =>
      s('rect', { x: x(seg.begin).toFixed(1), y: 0, width: Math.max(1, x(seg.end) - x(seg.begin)).toFixed(1), height: BAND_H, class: `seg st-${stateClass(seg.state)}`, 'data-state': seg.state }, s('title', {}, `${seg.state} from ${new Date(seg.begin).toLocaleTimeString()}`)),
    ),
    marks.map((m) =>
      s('path', { d: `M${x(m.t).toFixed(1)},${BAND_H + 2} l-5,9 l10,0 z`, class: `mark mark-${kindOf(m.entry).replace(/[^a-z]/gi, '')}` }, s('title', {}, `${new Date(m.t).toLocaleTimeString()} ${kindOf(m.entry)}: ${describe(m.entry)}`)),
    ),
    s('text', { x: 0, y: BAND_H + 30, class: 'tick' }, new Date(start).toLocaleTimeString()),
    s('text', { x: W, y: BAND_H + 30, class: 'tick', 'text-anchor': 'end' }, 'now'),
  );
  const list = h(
    'ol',
    { class: 'entries', reversed: true, 'data-testid': 'timeline-entries' },
    [...entries].reverse().map(({ t, entry }) => h('li', {}, h('time', {}, new Date(t).toLocaleTimeString()), ' ', h('strong', {}, kindOf(entry)), ' ', describe(entry))),
  );
  return h('div', {}, svg, list);
}
