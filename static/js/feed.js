/* Describing events for people: one line of text per event for tickers (text only; every
 * value from outside is set with textContent by the caller). Shared by the wall and office. */
(function () {
  'use strict';
  const K = (window.Kendali = window.Kendali || {});

  const TICKER_TYPES = /^(quake|incident|dispatch|area|feed|complaint|report)\./;

  function mag(p) {
    return typeof p.magnitude === 'number' ? p.magnitude.toFixed(1) : '?';
  }

  function who(p) {
    return (p.responder && p.responder.name) || '#' + (p.responder_id || '?');
  }

  /** The ticker line of an event, or null for events not worth a line (positions). */
  K.describe = function (msg, nameOf) {
    if (!msg || !TICKER_TYPES.test(msg.type)) return null;
    const p = msg.payload || {};
    const area = (code) => (code && nameOf && nameOf(code)) || code || '';
    const [family, verb] = msg.type.split('.');
    switch (family) {
      case 'quake':
        if (p.fresh === false) return null; // a backfill of the past: silent
        return K.t(verb === 'created' ? 'ui_ev_quake_created' : 'ui_ev_quake_updated', {
          mag: mag(p), place: p.region_text || '', mmi: K.roman(p.max_mmi),
        }) + (verb === 'updated' && p.conditioned ? ' — ' + K.t('ui_ev_quake_conditioned',
          { n: p.observations, mmi: K.roman(p.max_mmi) }) : '')
          + (p.tsunami ? ' — ' + K.t('ui_tsunami_potential') : '');
      case 'incident':
        return K.tOr('ui_ev_incident_' + verb, null, { title: p.title || '' }) ||
          K.t('ui_ev_incident', { title: p.title || '' });
      case 'dispatch':
        return K.t('ui_ev_dispatch', {
          who: who(p), state: K.tOr('state_' + verb, verb), area: p.area_name || area(p.area),
        });
      case 'area':
        if (verb === 'closed') return K.t('ui_ev_area_closed', { area: p.name || area(p.area) });
        return K.t('ui_ev_unstaffed', { area: p.name || area(p.area),
          acknowledged: p.acknowledged, needed: p.needed });
      case 'feed':
        return K.t(verb === 'stale' ? 'ui_ev_feed_stale' : 'ui_ev_feed_recovered',
          { feed: p.feed || '' });
      case 'complaint': {
        const where = area(p.area && (p.area.regency || p.area.province));
        if (verb === 'created') {
          return K.t('ui_ev_complaint_created', { id: p.id, channel:
            K.tOr('channel_' + p.channel, p.channel || ''), area: where || K.t('ui_unplaced') });
        }
        if (verb === 'overdue') return K.t('ui_ev_complaint_overdue', { id: p.id, area: where });
        return K.t('ui_ev_complaint_updated', { id: p.id,
          status: K.tOr('status_' + p.status, p.status || '') });
      }
      case 'report':
        return K.t('ui_ev_report', { who: who(p), area: p.area_name || area(p.area) });
      default:
        return null;
    }
  };

  /** A capped ticker list: newest first, at most `max` items (the DOM never grows). */
  class Ticker {
    constructor(node, max, zone) {
      this.node = node;
      this.max = max || 30;
      this.zone = zone;
    }

    add(msg, text, extraClass) {
      if (!this.node || !text) return;
      const family = msg.type.split('.')[0];
      const li = K.el('li', {
        class: 'tick tick-' + family + ' tick-' + msg.type.replace('.', '-') +
          (extraClass ? ' ' + extraClass : ''),
        dataset: { seq: msg.seq, type: msg.type },
      },
      K.el('time', { datetime: msg.time, text: K.formatTime(msg.time, this.zone(), { clock: true }) }),
      K.el('span', { class: 'tick-text', text }));
      this.node.prepend(li);
      while (this.node.childElementCount > this.max) this.node.lastElementChild.remove();
    }

    clear() {
      K.clear(this.node);
    }
  }

  K.Ticker = Ticker;

  /** Fill a ticker with the latest lines of the log before `seq` (its last `max`). */
  K.fillTicker = async function (ticker, seq, nameOf) {
    const since = Math.max(0, (seq || 0) - 500);
    let body;
    try {
      body = await K.api('/api/v1/events?' + K.query({ since, limit: 1000 }));
    } catch (err) {
      return;
    }
    ticker.clear();
    const lines = [];
    for (const msg of body.events) {
      if (seq !== null && msg.seq > seq) break;
      const text = K.describe(msg, nameOf);
      if (text) lines.push([msg, text]);
    }
    for (const [msg, text] of lines.slice(-ticker.max)) ticker.add(msg, text);
  };
}());
