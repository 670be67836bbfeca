/* The wall's quake card and focus. The focus belongs to the most significant recent quake
 * (K.quakes.compare: tsunami potential, intensity, magnitude), decided on each event's own
 * fields the moment it arrives, before any detail is fetched: a burst of aftershocks never
 * displaces its mainshock, whatever order their fetches finish in. A quake the server marks
 * `fresh: false` (the past a feed re-lists) never takes the focus or sounds. After
 * `quietMs` with nothing significant the card says so, and shows the last quake as past. */
(function () {
  'use strict';
  const K = window.Kendali;
  const Q = K.quakes;
  const MAX_KNOWN = 300;
  const TICK_MS = 30e3;

  class QuakeCard {
    /** ctx: {app, map, overlay, body, card, quietMs, focusMs, soundOn(), staffingOf(id),
     * pad() (Leaflet padding that keeps the view clear of the legend)} */
    constructor(ctx) {
      this.ctx = ctx;
      this.known = new Map(); // id -> the quake's summary (event payload or list entry)
      this.last = null; // the newest quake seen at all, recent or not
      this.shown = null; // the detail drawn on the map (GeoJSON feature)
      this.activeId = null; // the significant recent quake, when there is one
      this.focusWanted = null; // id to focus once its detail is drawn
      this.request = 0;
      this.focusTimer = null;
      setInterval(() => this.decide(null), TICK_MS); // ages move on; an active quake expires
    }

    remember(p) {
      if (!p || p.id === undefined) return;
      this.known.set(p.id, Object.assign({}, this.known.get(p.id), p));
      this.noteLast(this.known.get(p.id));
      if (this.known.size > MAX_KNOWN) { // a wall runs for weeks: forget the oldest
        const oldest = [...this.known.values()]
          .sort((a, b) => Date.parse(a.origin_time) - Date.parse(b.origin_time))[0];
        this.known.delete(oldest.id);
      }
    }

    noteLast(p) {
      if (!this.last || this.last.id === p.id ||
        Date.parse(p.origin_time) >= Date.parse(this.last.origin_time)) {
        this.last = Object.assign({}, this.last && this.last.id === p.id ? this.last : {}, p);
      }
    }

    /** The recent quakes from the API (no focus, no sound: they are not news to anyone). */
    async load() {
      const start = new Date(Date.now() - this.ctx.quietMs).toISOString();
      const recentList = await K.api('/api/v1/quakes?' + K.query({ start, limit: 200 }));
      this.known.clear();
      for (const f of recentList.features) this.remember(f.properties);
      if (!this.last) {
        const latest = await K.api('/api/v1/quakes?limit=1');
        if (latest.features[0]) this.noteLast(latest.features[0].properties);
      }
      this.decide(null);
    }

    /** A quake.* event: decide now, on its own fields. */
    onEvent(msg) {
      const p = msg.payload || {};
      if (p.fresh === false) { // the past a feed re-lists: at most "the last quake"
        this.noteLast(p);
        this.render();
        return;
      }
      this.remember(p);
      this.decide(p);
    }

    decide(trigger) {
      const now = Date.now();
      const all = [...this.known.values()];
      const active = Q.mostSignificant(all, now, this.ctx.quietMs);
      const target = active || Q.newest(all.filter((p) => Q.recent(p, now, this.ctx.quietMs)));
      const newlyActive = active && active.id !== this.activeId;
      const focus = !!(trigger && newlyActive && trigger.id === active.id);
      this.activeId = active ? active.id : null;
      if (!target) {
        if (this.shown) this.hide();
        this.render();
        return;
      }
      const shownId = this.shown ? this.shown.id : null;
      if (target.id !== shownId || (trigger && trigger.id === target.id)) {
        this.show(target.id, focus).catch(() => {});
      } else {
        this.render();
      }
    }

    async show(id, focus) {
      const mine = ++this.request;
      if (focus) this.focusWanted = id;
      const quake = await K.api('/api/v1/quakes/' + id);
      if (mine !== this.request) return; // a later decision (or revision) supersedes it
      this.shown = quake;
      this.ctx.overlay.draw(quake);
      this.ctx.app.dataset.quakeId = String(quake.id);
      this.render();
      if (this.focusWanted === quake.id) {
        this.focusWanted = null;
        this.focus();
      }
    }

    /** Draw the shown quake again (the area outlines it fills arrived after it). */
    redraw() {
      if (this.shown) this.ctx.overlay.draw(this.shown);
    }

    hide() {
      this.request += 1;
      this.shown = null;
      this.ctx.overlay.clear();
      delete this.ctx.app.dataset.quakeId;
      if (this.focusTimer) this.national();
    }

    focus() {
      const bounds = this.ctx.overlay.bounds();
      if (!bounds) return;
      const app = this.ctx.app;
      this.ctx.map.flyToBounds(bounds, Object.assign({ duration: 1.5, maxZoom: 9 },
        this.ctx.pad()));
      app.classList.add('focused');
      app.dataset.focus = String(this.shown.id);
      if (this.ctx.soundOn() && K.alert.play()) {
        app.dataset.beeped = String(Date.now());
        app.dataset.beeps = String(Number(app.dataset.beeps || 0) + 1);
      }
      clearTimeout(this.focusTimer);
      this.focusTimer = setTimeout(() => this.national(), this.ctx.focusMs);
    }

    national() {
      clearTimeout(this.focusTimer);
      this.focusTimer = null;
      this.ctx.app.classList.remove('focused');
      delete this.ctx.app.dataset.focus;
      this.ctx.map.flyToBounds(K.map.INDONESIA, Object.assign({ duration: 1.5 }, this.ctx.pad()));
    }

    get focused() {
      return this.focusTimer !== null;
    }

    // -- the card ------------------------------------------------------------------------
    render() {
      const { body, card } = this.ctx;
      K.clear(body);
      const p = this.shown && this.shown.properties;
      const active = !!(p && this.activeId === p.id);
      card.classList.toggle('significant', active);
      card.classList.toggle('tsunami', !!(active && p.tsunami));
      card.classList.toggle('quiet', !active);
      const title = K.clear(K.$('#quake-title'));
      title.append(K.el('span', { text: K.t(active ? 'ui_active_quake'
        : p ? 'ui_latest_quake' : 'ui_quake') }));
      if (p) title.append(K.el('span', { class: 'age', text: K.ago(p.origin_time) }));
      if (!active) {
        body.append(K.el('p', { class: 'quiet-note', text: K.t('ui_no_significant',
          { period: K.duration(this.ctx.quietMs / 1000) }) }));
      }
      if (p) body.append(...this.facts(p, active));
      else if (this.last) body.append(this.pastLine(this.last));
    }

    pastLine(p) {
      return K.el('p', { class: 'past' }, K.t('ui_last_quake') + ': ',
        K.el('strong', { text: 'M' + (p.magnitude || 0).toFixed(1) }), ' ',
        p.region_text || '', ' — ', K.el('span', { class: 'age', text: K.ago(p.origin_time) }));
    }

    facts(p, active) {
      const out = [
        K.el('div', { class: 'quake-head' },
          K.el('span', { class: 'mag', text: 'M ' + (p.magnitude || 0).toFixed(1) }),
          K.el('span', { class: 'mmi', text: 'MMI ' + K.roman(p.max_mmi) }),
          p.tsunami ? K.el('span', { class: 'tsunami-badge', text: K.t('ui_tsunami_badge') })
            : null),
        K.el('p', { class: 'place', text: p.region_text || '' }),
        K.el('p', { class: 'when' }, quakeTime(p) + ' · ' + K.t('ui_depth_km',
          { km: K.formatNumber(p.depth_km) })),
      ];
      if (p.tsunami) out.push(K.el('p', { class: 'tsunami-yes', text: K.t('ui_tsunami_potential') }));
      const regencies = (p.areas || []).filter((a) => a.level === 'regency');
      const coasts = regencies.filter((a) => a.tsunami_level).length;
      out.push(K.el('p', { class: 'affected', text: K.t('ui_affected_regencies',
        { n: regencies.length }) + (coasts ? ' · ' + K.t('ui_tsunami_coasts_short', { n: coasts })
        : '') }));
      const exposure = Object.entries(p.exposure || {}).map(([m, pop]) => [Number(m), pop])
        .filter(([m, pop]) => m >= 5 && pop > 0).sort((a, b) => b[0] - a[0]).slice(0, 2);
      if (exposure.length) {
        out.push(K.el('p', { class: 'exposure' }, K.t('ui_exposed_short'),
          exposure.map(([m, pop]) => K.el('span', { class: 'exp' },
            K.el('i', { class: 'mmi-chip mmi-' + Math.min(10, Math.floor(m)) }),
            K.roman(m) + ' ' + K.compact(pop)))));
      }
      const staffing = active && this.ctx.staffingOf(p.id);
      if (staffing) {
        out.push(K.el('p', { class: 'staffing' + (staffing.staffed < staffing.total ? ' short' : ''),
          text: K.t('ui_lane_dispatch_short', staffing) }));
      }
      return out;
    }
  }

  function quakeTime(p) {
    const local = K.zoneOfLon(p.lon);
    // The age says the day; minutes are enough here (the API and the office have seconds).
    const hhmm = (zone) => K.formatTime(p.origin_time, zone, { clock: true }).slice(0, 5) + ' ' +
      zone;
    return local === 'WIB' ? hhmm('WIB') : hhmm(local) + ' · ' + hhmm('WIB');
  }

  K.QuakeCard = QuakeCard;
}());
