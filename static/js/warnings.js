/* Warnings from other agencies (CAP: BMKG's weather nowcasts, tsunami warnings, partners) on
 * the wall and the offices' maps: their own layer (the warning's polygons; a regency outlined
 * when a district is only named), a list with the areas and the time left, and ticker lines.
 * The server scopes what comes: an office gets only warnings touching its area, with only its
 * own areas listed. A cancelled or expired warning leaves at once (its event), and in any
 * case when its time is up by this page's clock.
 *
 * Pages hook it in with K.warnings.attach({map, live, areas, mount}). */
(function () {
  'use strict';
  const K = window.Kendali;
  const L = window.L;

  const COLORS = { minor: '#7fb3d5', moderate: '#f4d03f', severe: '#f39c12', extreme: '#e74c3c' };
  const TICK_MS = 15e3;

  const regencyOf = (code) => code.split('.').slice(0, 2).join('.');

  function minutesLeft(p) {
    return Math.max(0, Math.round((Date.parse(p.ends_at) - Date.now()) / 60e3));
  }

  function leftText(p) {
    const m = minutesLeft(p);
    const h = Math.floor(m / 60);
    const left = h ? K.t('ui_warning_hm', { h, m: m % 60 }) : K.t('ui_warning_m', { m });
    const zone = K.viewerZone();
    return K.t('ui_warning_left', { left,
      time: K.formatTime(p.ends_at, zone, { clock: true }).slice(0, 5) + ' ' + zone });
  }

  const SEVERITIES = ['unknown', 'minor', 'moderate', 'severe', 'extreme'];
  const SEVERITY_RANK = (s) => SEVERITIES.indexOf(String(s || '').toLowerCase());

  function titleOf(p) {
    return [p.event, p.area_desc].filter(Boolean).join(' — ');
  }

  class WarningLayer {
    /** opts: map, areas (an AreaLayer: outlines regencies named without a polygon), mount
     * (where the list goes: a function given the list's section), fit (the wall: keep what
     * fits in the section, the most severe first, and count the rest). */
    constructor(opts) {
      this.map = opts.map;
      this.fitting = Boolean(opts.fit);
      this.areas = opts.areas || null;
      this.items = new Map(); // id -> GeoJSON feature
      this.layer = L.featureGroup().addTo(this.map);
      this.section = K.el('section', { class: 'card warnings-card', id: 'warnings-card' },
        K.el('h2', { text: K.t('ui_warnings') }),
        this.list = K.el('ol', { class: 'warnings', id: 'warnings' }));
      opts.mount(this.section);
      this.renderSoon = K.debounce(() => this.render(), 60);
      setInterval(() => this.tick(), TICK_MS);
      this.render();
    }

    async load() {
      const body = await K.api('/api/v1/warnings');
      this.items.clear();
      for (const f of body.features || []) this.items.set(f.id, f);
      this.render();
    }

    async fetchOne(id) {
      try {
        const f = await K.api('/api/v1/warnings/' + id);
        if (f.properties.state === 'active') this.items.set(f.id, f);
      } catch (err) { /* out of scope or gone meanwhile */ }
      this.renderSoon();
    }

    /** warning.created / warning.updated: show it (an update replaces what it names);
     * warning.cancelled / warning.expired: it leaves. */
    event(msg) {
      const p = msg.payload || {};
      if (msg.type === K.ev.WARNING_CREATED || msg.type === K.ev.WARNING_UPDATED) {
        for (const id of p.replaces || []) this.items.delete(id);
        this.fetchOne(p.id);
      } else {
        this.items.delete(p.id);
        this.renderSoon();
      }
    }

    /** Time left counts down; a warning whose time is up leaves even if no event says so. */
    tick() {
      for (const [id, f] of this.items) {
        if (Date.parse(f.properties.ends_at) <= Date.now()) this.items.delete(id);
      }
      this.render();
    }

    style(p) {
      return { className: 'kd-warning kd-warning-' + p.severity, color: COLORS[p.severity] || '#ccc',
        weight: 2, dashArray: '6 4', fillColor: COLORS[p.severity] || '#ccc', fillOpacity: 0.18 };
    }

    draw(f) {
      const p = f.properties;
      const tip = titleOf(p) + ' · ' + leftText(p);
      if (f.geometry) {
        this.layer.addLayer(L.geoJSON(f.geometry, { style: () => this.style(p) })
          .bindTooltip(tip, { sticky: true }));
      }
      const named = new Set((p.districts || []).filter((d) => d.by === 'name')
        .map((d) => regencyOf(d.code)));
      for (const code of named) {
        const lyr = this.areas && this.areas.byCode && this.areas.byCode.get(code);
        if (!lyr) continue;
        this.layer.addLayer(L.geoJSON(lyr.feature, { interactive: false,
          style: () => Object.assign(this.style(p), { fill: false, weight: 1.5 }) }));
      }
    }

    item(f) {
      const p = f.properties;
      const districts = p.districts || [];
      const happening = districts.filter((d) => d.kind === 'terjadi');
      const spreading = districts.filter((d) => d.kind === 'meluas');
      const names = (list) => list.slice(0, 8).map((d) => d.name).join(', ') +
        (list.length > 8 ? ' ' + K.t('ui_more', { n: list.length - 8 }) : '');
      return K.el('li', { class: 'warning warning-' + p.severity, dataset: { warningId: f.id,
        hazard: p.hazard, left: String(minutesLeft(p)) } },
      K.el('div', { class: 'warning-head' },
        K.el('span', { class: 'sev sev-' + p.severity,
          text: p.level || K.tOr('severity_' + p.severity, p.severity) }),
        K.el('span', { class: 'title', text: titleOf(p) }),
        K.el('span', { class: 'left', text: leftText(p) })),
      happening.length ? K.el('p', { class: 'where', text: K.t('ui_warning_happening',
        { n: happening.length }) + ': ' + names(happening) }) : null,
      spreading.length ? K.el('p', { class: 'where spread', text: K.t('ui_warning_spreading',
        { n: spreading.length }) + ': ' + names(spreading) }) : null,
      K.el('p', { class: 'sender muted', text: p.sender_name || p.sender }));
    }

    render() {
      this.layer.clearLayers();
      K.clear(this.list);
      const items = [...this.items.values()].sort((a, b) =>
        SEVERITY_RANK(b.properties.severity) - SEVERITY_RANK(a.properties.severity));
      if (!items.length) this.list.append(K.el('li', { class: 'muted', text: K.t('ui_no_warnings') }));
      for (const f of items) {
        this.draw(f);
        this.list.append(this.item(f));
      }
      this.section.dataset.count = String(items.length);
      if (this.fitting) this.fit();
    }

    /** Keep the warnings that fit in the section (the first always) and "+N lainnya". */
    fit() {
      const box = this.section.getBoundingClientRect();
      const rows = () => this.list.querySelectorAll('li.warning');
      const over = (node) => node.getBoundingClientRect().bottom > box.bottom - 4;
      const last = () => rows()[rows().length - 1];
      let removed = 0;
      while (rows().length > 1 && over(last())) { last().remove(); removed += 1; }
      if (!removed) return;
      const more = K.el('li', { class: 'more muted', text: K.t('ui_more_incidents', { n: removed }) });
      this.list.append(more);
      while (rows().length > 1 && over(more)) {
        last().remove();
        removed += 1;
        more.textContent = K.t('ui_more_incidents', { n: removed });
      }
    }
  }

  /** Ticker lines for warnings (feed.js describes the other families). */
  const describe = K.describe;
  K.describe = function (msg, nameOf) {
    if (!msg || !msg.type || !K.sameFamily(msg.type, K.ev.WARNING_CREATED)) {
      return describe(msg, nameOf);
    }
    const p = msg.payload || {};
    const verb = msg.type.split('.')[1];
    return K.t('ui_ev_warning_' + verb, { title: titleOf(p) || '#' + p.id });
  };

  K.warnings = {
    WarningLayer,
    /** Build the layer and follow the live stream; the page loads it (``layer.load()``)
     * with the rest of its state, before it starts the stream from that moment. */
    attach(opts) {
      const layer = new WarningLayer(opts);
      opts.live.on(K.family(K.ev.WARNING_CREATED), (msg) => layer.event(msg));
      return layer;
    },
  };
}());
