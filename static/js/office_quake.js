/* The office's quake: the overlay the wall has (epicentre, intensity contours, affected
 * areas filled by intensity, tsunami-flagged coasts) over the office's own area, and a banner
 * with the alert tone when a recent significant quake shakes it. The server sends an office
 * only the quakes that shook its area, with only its own areas; the same rule as the wall
 * (K.quakes) decides which one matters, on each event's own fields. */
(function () {
  'use strict';
  const K = window.Kendali;
  const Q = K.quakes;
  const L = window.L;

  class OfficeQuake {
    /** ctx: {app, map, banner, national, quietMs, regionBounds()} */
    constructor(ctx) {
      this.ctx = ctx;
      this.shapes = { byCode: new Map() }; // regency outlines of the office's area
      this.overlay = new K.map.QuakeOverlay(ctx.map, this.shapes);
      this.known = new Map();
      this.shown = null;
      this.alerted = null; // the quake the banner is for
      this.sound = K.store.get('kendali.office.sound', true) !== false;
      this.request = 0;
      this.alertWanted = null;
      setInterval(() => this.refreshBanner(), 30e3); // its age moves on
    }

    async loadShapes() {
      if (this.shapes.byCode.size) return;
      const data = await K.api('/api/v1/map/areas?' + K.query({ level: 'regency', zoom: 7 }),
        { cache: 'default' });
      for (const feature of data.features || []) {
        this.shapes.byCode.set(feature.properties.code, { feature });
      }
    }

    /** The recent quakes of this area: drawn, and bannered (without a sound: opening the
     * page is not news) when one is significant. */
    async load() {
      await this.loadShapes().catch(() => {});
      const start = new Date(Date.now() - this.ctx.quietMs).toISOString();
      const body = await K.api('/api/v1/quakes?' + K.query({ start, limit: 200 }));
      for (const f of body.features) this.known.set(f.id, f.properties);
      this.decide(null);
    }

    onEvent(msg) {
      const p = msg.payload || {};
      if (p.fresh === false) return; // the past a feed re-lists: no news for anyone
      this.known.set(p.id, Object.assign({}, this.known.get(p.id), p));
      this.decide(p);
    }

    decide(trigger) {
      const now = Date.now();
      const all = [...this.known.values()];
      const active = Q.mostSignificant(all, now, this.ctx.quietMs);
      const target = active || Q.newest(all.filter((p) => Q.recent(p, now, this.ctx.quietMs)));
      if (!target) return;
      const alert = !!(trigger && active && trigger.id === active.id &&
        (!this.alerted || this.alerted.id !== active.id));
      const shownId = this.shown && this.shown.id;
      if (target.id !== shownId || (trigger && trigger.id === target.id) || alert) {
        this.show(target.id, !!active && active.id === target.id, alert).catch(() => {});
      }
    }

    async show(id, significant, alert) {
      const mine = ++this.request;
      if (alert) this.alertWanted = id; // a later fetch of the same quake may supersede this one
      const quake = await K.api('/api/v1/quakes/' + id);
      if (mine !== this.request) return;
      this.shown = quake;
      this.overlay.draw(quake);
      this.ctx.app.dataset.quakeId = String(quake.id);
      if (significant) {
        const first = !this.alerted || this.alerted.id !== quake.id;
        this.alerted = quake;
        this.renderBanner();
        if (first) this.fit();
        if (this.alertWanted === quake.id) {
          this.alertWanted = null;
          if (this.sound) this.beep();
        }
      }
    }

    /** The office's area, with the epicentre (and the shaking in it) in view. */
    fit() {
      const p = this.shown.properties;
      const bounds = L.latLngBounds([]);
      const own = this.ctx.regionBounds();
      if (own) bounds.extend(own);
      else if (this.overlay.bounds()) bounds.extend(this.overlay.bounds());
      bounds.extend([p.lat, p.lon]);
      if (bounds.isValid()) this.ctx.map.fitBounds(bounds, { padding: [20, 20], maxZoom: 9 });
    }

    beep() {
      if (K.alert.play()) {
        const app = this.ctx.app;
        app.dataset.beeps = String(Number(app.dataset.beeps || 0) + 1);
      }
      this.renderBanner();
    }

    refreshBanner() {
      if (this.alerted && !Q.recent(this.alerted.properties, Date.now(), this.ctx.quietMs)) {
        this.alerted = null;
      }
      this.renderBanner();
    }

    renderBanner() {
      const banner = K.clear(this.ctx.banner);
      const q = this.alerted;
      banner.hidden = !q || banner.dataset.dismissed === String(q && q.id);
      if (!q) {
        delete this.ctx.app.dataset.quakeAlert;
        return;
      }
      this.ctx.app.dataset.quakeAlert = String(q.id);
      const p = q.properties;
      const own = (p.areas || []).filter((a) => a.level === 'regency');
      const mmi = own.reduce((m, a) => Math.max(m, a.mmi || 0), 0) || p.max_mmi;
      banner.classList.toggle('tsunami', !!p.tsunami);
      banner.append(
        K.el('strong', { text: K.t('ui_quake_banner', { mag: (p.magnitude || 0).toFixed(1),
          place: p.region_text || '' }) }),
        K.el('span', { text: K.ago(p.origin_time) }),
        K.el('span', { text: K.t(this.ctx.national ? 'ui_banner_mmi_national'
          : 'ui_banner_mmi_here', { mmi: K.roman(mmi) }) }),
        K.el('span', { text: K.t('ui_affected_regencies', { n: own.length }) }),
        p.tsunami ? K.el('span', { class: 'tsunami-yes', text: K.t('ui_tsunami_potential') })
          : null,
        K.el('label', { class: 'check' }, K.el('input', { type: 'checkbox', checked: this.sound,
          onchange: (e) => {
            this.sound = e.target.checked;
            K.store.set('kendali.office.sound', this.sound);
            if (this.sound) K.alert.play(); // the click also unlocks audio
          } }), ' ' + K.t(K.alert.blocked ? 'ui_sound_blocked' : 'ui_sound')),
        K.el('button', { type: 'button', text: K.t('ui_show_on_map'), onclick: () => this.fit() }),
        K.el('button', { type: 'button', class: 'close', 'aria-label': K.t('ui_dismiss'),
          text: '×', onclick: () => {
            banner.dataset.dismissed = String(q.id);
            banner.hidden = true;
          } }));
    }
  }

  K.OfficeQuake = OfficeQuake;
}());
