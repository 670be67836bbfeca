/* The shared live client of the /live Socket.IO namespace.
 *
 * - Connects with the session cookie; `auth` is a function, so every (re)connection sends the
 *   last sequence number seen and the server first sends what was missed, in order, then
 *   `synced`, then live events: no gap, no duplicate. Events with seq <= last seen are dropped.
 * - The last seq is kept in localStorage per page and user (written at most once a second).
 * - `reset` (gap too old for the log) and a server whose log is behind us (database reset)
 *   both tell the page to reload its state through REST.
 * - Reconnects by itself with exponential backoff (Socket.IO's manager for dropped
 *   transports; our own timer when the server refused the connection).
 * - Exposes an event bus: live.on('quake.created' | 'quake.*' | '*' | 'synced' | 'reset' |
 *   'state' | 'unauthorized', fn).
 */
(function () {
  'use strict';
  const K = (window.Kendali = window.Kendali || {});

  const STATES = ['connecting', 'syncing', 'live', 'offline', 'unauthorized'];

  class Live {
    constructor(opts) {
      const o = opts || {};
      this.page = o.page || K.config.page || 'page';
      this.user = o.user || K.config.user || 'anon';
      this.key = 'kendali.seq.' + this.page + '.' + this.user;
      this.lastSeq = K.store.get(this.key, null);
      this.handlers = new Map();
      this.state = 'connecting';
      this.socket = null;
      this.retryDelay = 1000;
      this.retryTimer = null;
      this.saveTimer = null;
      this.offlineSince = null;
      this.received = 0;
      this.dropped = 0;
      // Per event type: count, first and last seq, sum of seqs (bounded by the number of types;
      // lets a test check that a burst arrived whole, once each and in order).
      this.stats = {};
      window.addEventListener('pagehide', () => this.save());
    }

    /** Start streaming; `since` raises the starting point (a REST snapshot's sequence). */
    start(since) {
      if (typeof since === 'number' && (this.lastSeq === null || since > this.lastSeq)) {
        this.lastSeq = since;
        this.save();
      }
      if (typeof window.io !== 'function') {
        this.setState('offline');
        return this;
      }
      this.socket = window.io('/live', {
        auth: (cb) => cb({ since: this.lastSeq }),
        reconnection: true,
        reconnectionDelay: 1000,
        reconnectionDelayMax: 30000,
        randomizationFactor: 0.5,
        timeout: 10000,
      });
      const s = this.socket;
      s.on('connect', () => {
        this.retryDelay = 1000;
        // socket.io-client runs packets that came before the namespace's acceptance ahead of
        // this handler: a `synced` among them has already made the stream live.
        if (this.state !== 'live') this.setState('syncing');
      });
      s.on(K.ev.MSG_EVENT, (msg) => this.receive(msg));
      s.on(K.ev.MSG_SYNCED, (msg) => this.synced(msg));
      s.on(K.ev.MSG_RESET, (msg) => this.reset(msg, 'gap'));
      s.on('disconnect', () => this.setState('offline'));
      s.on('connect_error', () => this.refused());
      return this;
    }

    on(type, fn) {
      if (!this.handlers.has(type)) this.handlers.set(type, new Set());
      this.handlers.get(type).add(fn);
      return () => this.handlers.get(type).delete(fn);
    }

    emit(type, data) {
      const names = [type];
      const dot = type.indexOf('.');
      if (dot > 0) names.push(type.slice(0, dot) + '.*');
      if (!['synced', 'reset', 'state', 'unauthorized'].includes(type)) names.push('*');
      for (const name of names) {
        const set = this.handlers.get(name);
        if (!set) continue;
        for (const fn of set) {
          try {
            fn(data, type);
          } catch (err) {
            // one page handler failing must not stop the stream
            if (window.console) console.error('live handler', type, err);
          }
        }
      }
    }

    receive(msg) {
      if (!msg || typeof msg.seq !== 'number') return;
      if (this.lastSeq !== null && msg.seq <= this.lastSeq) {
        this.dropped += 1; // already seen (a replay after reconnecting)
        return;
      }
      this.lastSeq = msg.seq;
      this.received += 1;
      const st = this.stats[msg.type] || (this.stats[msg.type] = {
        count: 0, first: msg.seq, last: 0, sum: 0 });
      st.count += 1;
      st.last = msg.seq;
      st.sum += msg.seq;
      this.scheduleSave();
      this.emit(msg.type, msg);
    }

    synced(msg) {
      const seq = msg && typeof msg.seq === 'number' ? msg.seq : null;
      if (seq !== null && this.lastSeq !== null && seq < this.lastSeq) {
        // The server's log is behind what we saw (its database was replaced): start over.
        this.lastSeq = seq;
        this.save();
        this.setState('live');
        this.emit('reset', { reason: 'log behind client', seq });
        return;
      }
      if (seq !== null) this.lastSeq = Math.max(this.lastSeq || 0, seq);
      this.save();
      this.setState('live');
      this.emit('synced', { seq: this.lastSeq });
    }

    reset(msg, why) {
      if (msg && typeof msg.seq === 'number') this.lastSeq = msg.seq;
      this.save();
      this.emit('reset', { reason: (msg && msg.reason) || why, seq: this.lastSeq });
    }

    /** The server refused or could not be reached. Socket.IO retries transport failures
     * itself; a refusal (`socket.active` false) is retried here, unless we are signed out. */
    async refused() {
      this.setState('offline');
      if (!this.socket || this.socket.active) return;
      try {
        await K.api('/api/v1/auth/me');
      } catch (err) {
        if (err instanceof K.ApiError && err.status === 401) {
          this.setState('unauthorized');
          this.emit('unauthorized', {});
          return;
        }
      }
      clearTimeout(this.retryTimer);
      const delay = this.retryDelay * (0.75 + Math.random() * 0.5);
      this.retryDelay = Math.min(this.retryDelay * 2, 30000);
      this.retryTimer = setTimeout(() => this.socket.connect(), delay);
    }

    setState(state) {
      if (!STATES.includes(state) || state === this.state) return;
      this.state = state;
      this.offlineSince = state === 'offline' ? this.offlineSince || Date.now() : null;
      this.emit('state', { state });
    }

    scheduleSave() {
      if (this.saveTimer) return;
      this.saveTimer = setTimeout(() => {
        this.saveTimer = null;
        this.save();
      }, 1000);
    }

    save() {
      K.store.set(this.key, this.lastSeq);
    }

    /** Keep an element showing the connection state (text and a class per state). */
    bindIndicator(node) {
      if (!node) return;
      const show = () => {
        node.textContent = K.t('ui_conn_' + this.state);
        node.dataset.state = this.state;
        node.className = 'conn conn-' + this.state;
      };
      this.on('state', show);
      show();
    }
  }

  K.Live = Live;

  /** The seq to start from after a REST snapshot: the log's last sequence before the
   * snapshot was read (events after it are replayed; page handlers are idempotent). */
  K.snapshotSeq = async function () {
    try {
      const health = await K.api('/healthz');
      return { seq: health.event_seq, health };
    } catch (err) {
      return { seq: null, health: null };
    }
  };
}());
