// Draws the account lifecycle as SVG from `lifecycle.json`, which the daemon builds from the task
// machine's definition plus the supervisor's backoff / suspended / disabled. Layout: each state
// sits in the column of its longest path from the initial state; arrows that go back (a restart)
// curve under the chart.

import { s } from './dom.js';
import { stateClass } from './format.js';

const BOX_W = 112;
const BOX_H = 34;
const COL_W = 232;
const ROW_H = 62;
const PAD = 20;
const LANE = 18;

/** Returns `{ el, highlight(state) }`. */
export function statechart(chart) {
  const rank = ranks(chart);
  // One arrow per pair of states, its events joined.
  const edges = new Map();
  for (const t of chart.transitions) {
    const key = `${t.from}\u0000${t.to}`;
    const edge = edges.get(key) ?? { from: t.from, to: t.to, labels: [], layer: t.layer };
    edge.labels.push(t.label);
    edges.set(key, edge);
  }
  // An arrow that skips columns arcs over the chart and lands on its target's top, so in each
  // column the targets of such arcs go first.
  const span = (e) => (rank.get(e.to) ?? 0) - (rank.get(e.from) ?? 0);
  const arrivingOver = (key) => [...edges.values()].filter((e) => e.to === key && span(e) > 1).length;
  const columns = new Map();
  for (const st of chart.states) {
    const r = rank.get(st.key) ?? 0;
    if (!columns.has(r)) columns.set(r, []);
    columns.get(r).push(st);
  }
  for (const states of columns.values()) states.sort((a, b) => arrivingOver(b.key) - arrivingOver(a.key));
  // Shorter arcs take the lanes nearest the boxes, so arcs nest instead of crossing.
  const over = [...edges.values()].filter((e) => span(e) > 1).sort((a, b) => span(a) - span(b));
  const under = [...edges.values()].filter((e) => span(e) < 0).sort((a, b) => span(b) - span(a));
  const fanOut = (key) => [...edges.values()].filter((e) => e.from === key && span(e) === 1).length;
  const top = PAD + over.length * LANE;
  const rows = Math.max(...[...columns.values()].map((c) => c.length));
  const width = PAD * 2 + (Math.max(...columns.keys()) + 1) * COL_W - (COL_W - BOX_W);
  const bottom = top + rows * ROW_H - (ROW_H - BOX_H);
  const height = bottom + PAD + under.length * LANE;
  const pos = new Map();
  for (const [r, states] of columns) {
    const offset = ((rows - states.length) * ROW_H) / 2;
    states.forEach((st, i) => pos.set(st.key, { x: PAD + r * COL_W, y: top + offset + i * ROW_H }));
  }

  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'statechart', role: 'img', 'aria-label': `Lifecycle statechart of ${chart.machine}`, 'data-testid': 'statechart' });
  svg.appendChild(
    s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }))),
  );
  // A cubic whose two control points share one y peaks at 3/4 of the way to them.
  const arc = (x1, y1, x2, y2, lane) => {
    const c = (lane - 0.25 * (lane < y1 ? Math.min(y1, y2) : Math.max(y1, y2))) / 0.75;
    return `M${x1},${y1} C${x1},${c} ${x2},${c} ${x2},${y2}`;
  };
  for (const edge of edges.values()) {
    const a = pos.get(edge.from);
    const b = pos.get(edge.to);
    if (!a || !b) continue;
    const n = span(edge);
    let d;
    let lx;
    let ly;
    let anchor = 'middle';
    if (n > 1) {
      const lane = top - LANE * (over.indexOf(edge) + 1) + 6;
      d = arc(a.x + BOX_W / 2, a.y, b.x + BOX_W / 2, b.y, lane);
      lx = (a.x + b.x + BOX_W) / 2;
      ly = lane - 2;
    } else if (n === 1) {
      const x1 = a.x + BOX_W;
      const y1 = a.y + BOX_H / 2;
      const x2 = b.x;
      const y2 = b.y + BOX_H / 2;
      const mx = (x1 + x2) / 2;
      d = `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
      // Several arrows leaving one state: label each where it arrives; else where it leaves.
      if (fanOut(edge.from) > 1) {
        lx = x2 - 8;
        ly = y2 - 6;
        anchor = 'end';
      } else {
        lx = x1 + 6;
        ly = y1 - 6;
        anchor = 'start';
      }
    } else if (n === 0) {
      const down = b.y > a.y;
      const x = a.x + BOX_W / 2;
      d = `M${x},${down ? a.y + BOX_H : a.y} L${x},${down ? b.y : b.y + BOX_H}`;
      lx = x + 4;
      ly = (a.y + b.y + BOX_H) / 2;
    } else {
      const lane = bottom + LANE * (under.indexOf(edge) + 1) - 4;
      d = arc(a.x + BOX_W / 2, a.y + BOX_H, b.x + BOX_W / 2, b.y + BOX_H, lane);
      lx = (a.x + b.x + BOX_W) / 2;
      ly = lane + 12;
    }
    svg.appendChild(
      s(
        'g',
        { class: `edge edge-${edge.layer}`, 'data-from': edge.from, 'data-to': edge.to },
        s('path', { d, 'marker-end': 'url(#arrow)' }),
        // One line per event, stacked upwards from the anchor (downwards under the chart).
        s('text', { x: lx, y: n < 0 ? ly : ly - (edge.labels.length - 1) * 12, 'text-anchor': anchor }, edge.labels.map((label, i) => s('tspan', { x: lx, dy: i === 0 ? 0 : 12 }, label))),
      ),
    );
  }
  const initial = pos.get(chart.initial);
  if (initial) svg.appendChild(s('g', { class: 'edge' }, s('circle', { cx: PAD - 14, cy: initial.y + BOX_H / 2, r: 5, class: 'initial' })));
  const nodes = new Map();
  for (const st of chart.states) {
    const p = pos.get(st.key);
    const g = s(
      'g',
      { class: `node layer-${st.layer} st-${stateClass(st.key)}`, 'data-state': st.key, transform: `translate(${p.x},${p.y})` },
      s('rect', { width: BOX_W, height: BOX_H, rx: st.layer === 'slot' ? 4 : 12 }),
      st.final ? s('rect', { x: 3, y: 3, width: BOX_W - 6, height: BOX_H - 6, rx: 9, class: 'final' }) : null,
      s('text', { x: BOX_W / 2, y: BOX_H / 2 + 4, 'text-anchor': 'middle' }, st.key),
    );
    nodes.set(st.key, g);
    svg.appendChild(g);
  }
  let current;
  return {
    el: svg,
    highlight(state) {
      if (current === state) return;
      nodes.get(current)?.classList.remove('current');
      nodes.get(current)?.removeAttribute('aria-current');
      current = state;
      nodes.get(state)?.classList.add('current');
      nodes.get(state)?.setAttribute('aria-current', 'true');
    },
  };
}

// Longest path from the initial state over the task's own (acyclic) transitions; the
// supervisor's states go one column after the latest state that leads to them.
function ranks(chart) {
  const rank = new Map([[chart.initial, 0]]);
  const task = chart.transitions.filter((t) => t.layer === 'task');
  for (let pass = 0; pass < chart.states.length; pass += 1) {
    for (const t of task) if (rank.has(t.from)) rank.set(t.to, Math.max(rank.get(t.to) ?? 0, rank.get(t.from) + 1));
  }
  for (const st of chart.states) {
    if (st.layer !== 'slot') continue;
    const from = chart.transitions.filter((t) => t.to === st.key && t.layer === 'slot' && chart.states.find((x) => x.key === t.from)?.layer === 'task');
    rank.set(st.key, Math.max(0, ...from.map((t) => (rank.get(t.from) ?? 0) + 1)));
  }
  return rank;
}
