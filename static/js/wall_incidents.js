/* The wall's incidents: sorted by severity, then the newest first; the largest always on
 * screen (the list is cut to what fits, "+N lainnya" for the rest); each area outlined on
 * the map by its staffing; dispatch churn summarised per incident in its own lane
 * ("Flores Timur: 12/61 wilayah terpenuhi") instead of one ticker line per notification. */
(function () {
  'use strict';
  const K = window.Kendali;
  const SEVERITY = { extreme: 4, severe: 3, moderate: 2, minor: 1 };
  const ACKED = ['acknowledged', 'en_route', 'on_site', 'done'];
  const MAX_INCIDENTS = 12;
  const OUTLINE = {
    staffed: { color: '#3ddc84', dashArray: null },
    pending: { color: '#ffb020', dashArray: '4 6' },
    unstaffed: { color: '#ff4d4f', dashArray: '10 6' },
  };

  function staffed(area) {
    return area.dispatches.filter((d) => ACKED.includes(d.state)).length >= (area.needed || 1);
  }

  function areaState(area) {
    if (staffed(area)) return 'staffed';
    return area.unstaffed_at ? 'unstaffed' : 'pending';
  }

  /** Staffing of an incident's open areas (stood-down areas are done with). */
  function stats(entry) {
    const open = entry.areas.filter((a) => !a.closed_at);
    const out = { total: open.length, staffed: 0, pending: 0, unstaffed: 0, people: 0 };
    for (const a of open) {
      out[areaState(a)] += 1;
      out.people += a.dispatches.filter((d) => ACKED.includes(d.state)).length;
    }
    return out;
  }

  /** "Kabupaten Sikka" -> "Sikka" ("Kota" stays: Kota Kupang is not Kabupaten Kupang). */
  function short(name) {
    return String(name || '').replace(/^Kabupaten\s+/, '');
  }

  /** A short name for lanes and cards: the most affected area (quake incidents), or the
   * title of a drawn one. */
  function label(entry) {
    const first = entry.areas[0];
    if (entry.incident.quake_id && first && first.name) return short(first.name);
    return entry.incident.title;
  }

  function order(a, b) {
    return (SEVERITY[b.incident.severity] || 0) - (SEVERITY[a.incident.severity] || 0) ||
      Date.parse(b.incident.created_at) - Date.parse(a.incident.created_at) ||
      b.incident.id - a.incident.id;
  }

  class IncidentBoard {
    /** ctx: {map, areas (regency AreaLayer), list, lane, onChange()} */
    constructor(ctx) {
      this.ctx = ctx;
      this.entries = new Map(); // id -> {incident, areas}
      this.layer = window.L.featureGroup().addTo(ctx.map);
      this.loadSoon = K.debounce(() => this.load().catch(() => {}), 1000);
      this.renderSoon = K.debounce(() => this.render(), 200); // a burst is one repaint
      window.addEventListener('resize', K.debounce(() => this.render(), 300));
    }

    async load() {
      const body = await K.api('/api/v1/incidents');
      const open = body.incidents.filter((i) => i.status !== 'closed');
      open.sort((a, b) => order({ incident: a }, { incident: b }));
      const fresh = new Map();
      await Promise.all(open.slice(0, MAX_INCIDENTS).map(async (i) => {
        try {
          const d = await K.api('/api/v1/incidents/' + i.id + '/dispatch');
          fresh.set(i.id, { incident: d.incident, areas: d.areas });
        } catch (err) { /* gone or out of scope meanwhile */ }
      }));
      this.entries = fresh;
      this.hidden = Math.max(0, open.length - MAX_INCIDENTS);
      this.render();
    }

    async reloadOne(id) {
      const d = await K.api('/api/v1/incidents/' + id + '/dispatch');
      this.entries.set(id, { incident: d.incident, areas: d.areas });
      this.renderSoon();
    }

    /** dispatch.*: update the area in place (no fetch per event). */
    onDispatch(msg) {
      const d = msg.payload || {};
      const entry = this.entries.get(d.incident_id);
      if (!entry) return this.loadSoon();
      const area = entry.areas.find((a) => a.code === d.area);
      if (!area) return this.reloadOne(d.incident_id).catch(() => {});
      const known = area.dispatches.find((x) => x.id === d.id);
      if (known) Object.assign(known, d, { responder: d.responder || known.responder });
      else area.dispatches.push(d);
      // the incident's latest change, for its lane line ("Agus Tagana menerima — Kota Palu")
      entry.last = { who: (d.responder && d.responder.name) || '#' + d.responder_id,
        state: K.tOr('state_' + d.state, d.state), area: area.name || area.code };
      return this.renderSoon();
    }

    onUnstaffed(msg) {
      const p = msg.payload || {};
      const entry = this.entries.get(p.incident_id);
      const area = entry && entry.areas.find((a) => a.code === p.area);
      if (area) area.unstaffed_at = msg.time;
      this.renderSoon();
    }

    sorted() {
      return [...this.entries.values()].sort(order);
    }

    staffingOf(quakeId) {
      for (const entry of this.entries.values()) {
        if (entry.incident.quake_id === quakeId) return stats(entry);
      }
      return null;
    }

    render() {
      const list = this.ctx.list;
      K.clear(list);
      const entries = this.sorted();
      if (!entries.length) list.append(K.el('li', { class: 'muted', text: K.t('ui_no_incidents') }));
      entries.forEach((entry, i) => list.append(this.item(entry, i === 0)));
      this.fit(entries.length);
      this.renderLane(entries);
      this.outline(entries);
      if (this.ctx.onChange) this.ctx.onChange();
    }

    item(entry, first) {
      const s = stats(entry);
      const i = entry.incident;
      const li = K.el('li', { class: 'incident', dataset: { incidentId: i.id, acked: s.people } },
        K.el('div', { class: 'incident-head' },
          K.el('span', { class: 'sev sev-' + i.severity,
            text: K.tOr('severity_' + i.severity, i.severity) }),
          K.el('span', { class: 'title', text: label(entry) }),
          K.el('span', { class: 'score' + (s.staffed < s.total ? ' short' : ''),
            text: s.staffed + '/' + s.total })),
        K.el('p', { class: 'counts' },
          K.el('span', { class: 'staffed', text: K.t('ui_n_staffed', { n: s.staffed }) }),
          s.pending ? K.el('span', { class: 'pending', text: K.t('ui_n_pending', { n: s.pending }) })
            : null,
          s.unstaffed ? K.el('span', { class: 'unstaffed', text: K.t('ui_n_unstaffed',
            { n: s.unstaffed }) }) : null,
          s.people ? K.el('span', { class: 'people', text: K.t('ui_n_people', { n: s.people }) })
            : null));
      const unstaffed = entry.areas.filter((a) => !a.closed_at && areaState(a) === 'unstaffed');
      if (first && unstaffed.length) {
        li.append(K.el('p', { class: 'short-areas', text: K.t('ui_short_areas',
          { areas: unstaffed.map((a) => short(a.name || a.code)).join(', ') }) }));
      }
      return li;
    }

    /** Keep what fits in the card: the first (largest) always, then as many as fit, and
     * "+N lainnya" for the rest (and for incidents not even loaded). */
    fit(count) {
      const list = this.ctx.list;
      const box = list.parentElement.getBoundingClientRect();
      const items = () => list.querySelectorAll('li.incident');
      const bottom = (node) => node.getBoundingClientRect().bottom;
      let removed = this.hidden || 0;
      while (items().length > 1 && bottom(items()[items().length - 1]) > box.bottom - 4) {
        items()[items().length - 1].remove();
        removed += 1;
      }
      if (!removed || !count) return;
      const more = K.el('li', { class: 'more', text: K.t('ui_more_incidents', { n: removed }) });
      list.append(more);
      while (items().length > 1 && bottom(more) > box.bottom - 4) {
        items()[items().length - 1].remove();
        removed += 1;
        more.textContent = K.t('ui_more_incidents', { n: removed });
      }
    }

    renderLane(entries) {
      const lane = this.ctx.lane;
      K.clear(lane);
      for (const entry of entries) {
        const s = stats(entry);
        let text = K.t('ui_lane_dispatch', { label: label(entry), staffed: s.staffed,
          total: s.total });
        if (s.pending) text += ' · ' + K.t('ui_pending_n', { n: s.pending });
        if (s.unstaffed) text += ' · ' + K.t('ui_unstaffed', { n: s.unstaffed });
        if (entry.last) text += ' · ' + K.t('ui_last_change', entry.last);
        lane.append(K.el('li', { class: 'lane-line' + (s.unstaffed ? ' short' : ''),
          dataset: { incidentId: entry.incident.id }, text }));
      }
      if (!entries.length) lane.append(K.el('li', { class: 'muted', text: K.t('ui_no_incidents') }));
    }

    /** Outline each open area on the map by its staffing (a regency with one unstaffed
     * district is unstaffed; staffed only when all of its parts are). */
    outline(entries) {
      const worst = new Map();
      const rank = { staffed: 0, pending: 1, unstaffed: 2 };
      for (const entry of entries) {
        for (const area of entry.areas) {
          if (area.closed_at) continue;
          const regency = area.code.split('.').slice(0, 2).join('.');
          const now = areaState(area);
          const before = worst.get(regency);
          if (!before || rank[now] > rank[before]) worst.set(regency, now);
        }
      }
      this.layer.clearLayers();
      const px = K.map.rem() / 32;
      for (const [regency, state] of worst) {
        const lyr = this.ctx.areas.byCode.get(regency);
        if (!lyr) continue;
        this.layer.addLayer(window.L.geoJSON(lyr.feature, {
          interactive: false,
          style: () => Object.assign({ className: 'kd-incident-area kd-' + state,
            weight: 4 * px, fill: false }, OUTLINE[state]),
        }));
      }
    }
  }

  K.IncidentBoard = IncidentBoard;
  K.IncidentBoard.OUTLINE = OUTLINE;
}());
