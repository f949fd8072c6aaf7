// The live stream (`GET /v1/events`, WebSocket). When it drops, the page says "reconnecting" and
// tries again with a growing delay (0.5 s to 5 s); the snapshot that opens every new connection
// resyncs the page with whatever changed while it was away.

import { api, ApiError, eventsUrl } from './api.js';

export class Live {
  /**
   * @param {object} handlers `{ onMessage(msg), onState(state), onAuthLost(message) }`;
   * state is 'connecting' | 'live' | 'reconnecting' | 'stopped'.
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.state = 'stopped';
    this.ws = undefined;
    this.timer = undefined;
    this.delay = 500;
  }

  start() {
    this.stopped = false;
    this.#set('connecting');
    this.#open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = undefined;
    if (ws) ws.close(1000, 'signed out');
    this.#set('stopped');
  }

  #open() {
    const ws = new WebSocket(eventsUrl());
    this.ws = ws;
    ws.onmessage = (event) => {
      if (this.ws !== ws) return;
      let msg;
      try {
        msg = JSON.parse(event.data);
      } catch {
        return;
      }
      if (msg.type === 'snapshot') {
        this.delay = 500;
        this.#set('live');
      }
      this.handlers.onMessage(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws || this.stopped) return;
      this.ws = undefined;
      this.#set('reconnecting');
      this.timer = setTimeout(() => void this.#retry(), this.delay);
      this.delay = Math.min(this.delay * 2, 5_000);
    };
  }

  // Before opening again, ask whether the token still works: a refused WebSocket upgrade looks
  // the same to a page as a daemon that is down.
  async #retry() {
    if (this.stopped) return;
    try {
      await api('GET', 'v1/accounts/%E2%80%8Bprobe', { allow404: true });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        this.handlers.onAuthLost('The daemon no longer accepts this token. Sign in again.');
        return;
      }
      if (this.stopped) return;
      this.timer = setTimeout(() => void this.#retry(), this.delay);
      this.delay = Math.min(this.delay * 2, 5_000);
      return;
    }
    if (!this.stopped) this.#open();
  }

  #set(state) {
    if (this.state === state) return;
    this.state = state;
    this.handlers.onState(state);
  }
}
