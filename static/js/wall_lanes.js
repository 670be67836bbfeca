/* The wall's event lanes: quakes and incidents pinned in their own lane, above the flow of
 * smaller events (complaints, feeds), so a burst of complaints never scrolls a quake away.
 * Dispatch events get no line each (the dispatch lane summarises them per incident), except
 * during a playback, where they flow. Same interface as K.Ticker (add, clear, max), so the
 * shared catch-up (K.fillTicker) and playback fill it. */
(function () {
  'use strict';
  const K = window.Kendali;
  const PINNED = /^(quake|incident)\./;
  const SUMMARISED = /^(dispatch|area)\./;

  /** The time a pinned line shows: the quake's origin, the incident's last change (the
   * moment that matters, by the server's clock), else when the event was logged. */
  function whenOf(msg) {
    const p = msg.payload || {};
    return (msg.type.startsWith('quake.') ? p.origin_time : p.last_activity_at) || msg.time;
  }

  /** One line per quake and per incident in the pinned lane: the latest news of it. */
  function keyOf(msg) {
    const p = msg.payload || {};
    return msg.type.split('.')[0] + ':' + (p.id === undefined ? msg.seq : p.id);
  }

  class Lanes {
    constructor(pinned, flow, zone, caps) {
      this.pinnedNode = pinned;
      this.pinned = new K.Ticker(pinned, (caps && caps.pinned) || 12, zone);
      this.flow = new K.Ticker(flow, (caps && caps.flow) || 30, zone);
      this.max = 1000; // what a catch-up may hand over; each lane keeps its own cap
    }

    add(msg, text, extraClass) {
      if (!text) return;
      if (PINNED.test(msg.type)) {
        const key = keyOf(msg);
        for (const li of this.pinnedNode.querySelectorAll('li')) {
          if (li.dataset.key === key) li.remove();
        }
        this.pinned.add(Object.assign({}, msg, { time: whenOf(msg) }), text, extraClass);
        if (this.pinnedNode.firstElementChild) this.pinnedNode.firstElementChild.dataset.key = key;
      } else if (!SUMMARISED.test(msg.type) || extraClass === 'pb') {
        this.flow.add(msg, text, extraClass);
      }
    }

    clear() {
      this.pinned.clear();
      this.flow.clear();
    }
  }

  K.Lanes = Lanes;
}());
