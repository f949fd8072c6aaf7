// How values are shown. Pure functions of their input (and `now`), no DOM.

import { STATES } from './store.js';

/** A known state name, or 'unknown': only known names ever reach a class attribute. */
export const stateClass = (state) => (STATES.includes(state) ? state : 'unknown');

/** "12 s", "4 min", "3 h", "2 d" */
export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

export const ago = (at, now = Date.now()) => (typeof at === 'number' ? `${duration(now - at)} ago` : '');

/** The next-restart countdown: "in 3 s", "now", or "" when none is scheduled. */
export function countdown(at, now = Date.now()) {
  if (typeof at !== 'number') return '';
  return at <= now ? 'now' : `in ${duration(at - now)}`;
}

export const clock = (at) => (typeof at === 'number' ? new Date(at).toLocaleString() : '');

/** Any JSON value as one line of text. */
export function valueText(value) {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && value > 1e12 && value < 1e13) return `${value} (${new Date(value).toLocaleTimeString()})`;
  return JSON.stringify(value);
}

export const errorText = (status) => (status.lastError ? `${status.lastError.code ? `${status.lastError.code}: ` : ''}${status.lastError.message}` : '');
