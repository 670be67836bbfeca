/* The Leaflet map of the wall and the office: Kendali's own area outlines as the base layer
 * (no online tiles unless configured), complaint and responder layers aggregated by the server
 * for the viewport and zoom (reloaded on moveend, incremented live on complaint.created), and
 * quake overlays. Every popup and label is built from DOM nodes with textContent. */
(function () {
  'use strict';
  const K = (window.Kendali = window.Kendali || {});
  const L = window.L;

  const INDONESIA = [[-11.2, 94.8], [6.3, 141.2]];
  const MMI_COLORS = ['#ffffff', '#ffffff', '#bfccff', '#a0e6ff', '#80ffff', '#7aff93',
    '#ffff00', '#ffc800', '#ff9100', '#ff0000', '#c80000', '#800000', '#800000'];

  function mmiColor(mmi) {
    const i = Math.max(0, Math.min(12, Math.floor(mmi || 0)));
    return MMI_COLORS[i];
  }

  /** Pixels of one rem: the wall scales its type with the viewport, and so do markers. */
  function rem() {
    return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  }

  function create(node, opts) {
    const o = opts || {};
    const map = L.map(node, {
      attributionControl: false,
      zoomControl: o.zoomControl !== false,
      zoomSnap: o.zoomSnap || 1,
      minZoom: 3,
      maxZoom: 17,
      worldCopyJump: false,
    });
    if (o.tileUrl) {
      // Only when configured (KENDALI_TILE_URL); the offline base is the area layer.
      L.tileLayer(o.tileUrl, { maxZoom: 18 }).addTo(map);
    }
    map.fitBounds(o.bounds || INDONESIA);
    return map;
  }

  function bboxOf(map, pad) {
    const b = map.getBounds().pad(pad === undefined ? 0.1 : pad);
    const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
    const box = [clamp(b.getWest(), -180, 179.9), clamp(b.getSouth(), -90, 89.9),
      clamp(b.getEast(), -179.9, 180), clamp(b.getNorth(), -89.9, 90)];
    return box.map((v) => v.toFixed(4)).join(',');
  }

  function zoomOf(map) {
    return Math.max(0, Math.min(20, Math.round(map.getZoom())));
  }

  function popupOf(title, rows) {
    const box = K.el('div', { class: 'kd-popup' }, K.el('strong', { text: title }));
    const dl = K.el('dl');
    for (const [label, value] of rows) {
      if (value === null || value === undefined || value === '') continue;
      dl.append(K.el('dt', { text: label }), K.el('dd', { text: String(value) }));
    }
    box.append(dl);
    return box;
  }

  /** The base layer: province, regency or district outlines by zoom (served by Kendali). */
  class AreaLayer {
    constructor(map, opts) {
      this.map = map;
      this.opts = opts || {};
      this.group = L.featureGroup().addTo(map);
      this.byCode = new Map();
      this.key = null;
      this.ctrl = null;
      this.data = null;
      map.on('moveend', K.debounce(() => this.refresh(), 200));
    }

    levelFor(zoom) {
      if (this.opts.level) return this.opts.level;
      const min = this.opts.minLevel || 'province';
      let level = zoom >= 9 ? 'district' : zoom >= 6 ? 'regency' : 'province';
      const order = ['province', 'regency', 'district'];
      if (order.indexOf(level) < order.indexOf(min)) level = min;
      return level;
    }

    async refresh() {
      const zoom = zoomOf(this.map);
      const level = this.levelFor(zoom);
      // Outlines are simplified per zoom: refetch in steps, and by view for districts only.
      const step = this.opts.level ? this.opts.zoom || 5 : Math.min(zoom, 12);
      const params = { level, zoom: step };
      if (level === 'district' && !this.opts.level) params.bbox = bboxOf(this.map, 0.3);
      const key = K.query(params);
      if (key === this.key) return this.data;
      this.key = key;
      if (this.ctrl) this.ctrl.abort();
      this.ctrl = new AbortController();
      try {
        const data = await K.api('/api/v1/map/areas?' + key, {
          signal: this.ctrl.signal, cache: 'default',
        });
        this.draw(data);
        return data;
      } catch (err) {
        if (err.name !== 'AbortError') this.key = null;
        return null;
      }
    }

    draw(data) {
      this.data = data;
      this.group.clearLayers();
      this.byCode.clear();
      const style = this.opts.style || (() => ({ className: 'kd-area' }));
      const layer = L.geoJSON(data, {
        style,
        interactive: !!this.opts.onClick,
        onEachFeature: (feature, lyr) => {
          this.byCode.set(feature.properties.code, lyr);
          if (this.opts.onClick) lyr.on('click', (e) => this.opts.onClick(feature, e));
        },
      });
      this.group.addLayer(layer);
      layer.bringToBack();
      if (this.opts.onLoad) this.opts.onLoad(data, this);
    }

    restyle() {
      const style = this.opts.style;
      if (!style) return;
      for (const lyr of this.byCode.values()) lyr.setStyle(style(lyr.feature));
    }

    nameOf(code) {
      const lyr = this.byCode.get(code);
      return lyr ? lyr.feature.properties.name : null;
    }
  }

  /** Complaints or responders in view, aggregated by the server: regencies, districts,
   * clusters, then points. Replaced (never accumulated) on each reload. */
  class AggregateLayer {
    constructor(map, opts) {
      this.map = map;
      this.opts = opts;
      this.group = L.layerGroup().addTo(map);
      this.features = new Map(); // key -> {feature, layer}
      this.level = null;
      this.total = 0;
      this.ctrl = null;
      this.visible = true;
      this.refreshSoon = K.debounce(() => this.refresh(), opts.debounce || 1500);
      map.on('moveend', K.debounce(() => this.refresh(), 250));
    }

    params() {
      return Object.assign({ bbox: bboxOf(this.map, 0.05), zoom: zoomOf(this.map) },
        this.opts.params ? this.opts.params() : {});
    }

    async refresh() {
      if (!this.visible) return null;
      if (this.ctrl) this.ctrl.abort();
      if (this.opts.minZoom && this.map.getZoom() < this.opts.minZoom) {
        this.draw({ level: null, total: 0, features: [] }); // only shown closer in
        return null;
      }
      this.ctrl = new AbortController();
      try {
        const data = await K.api(this.opts.url + '?' + K.query(this.params()),
          { signal: this.ctrl.signal });
        this.draw(data);
        return data;
      } catch (err) {
        return null;
      }
    }

    draw(data) {
      this.group.clearLayers();
      this.features.clear();
      this.level = data.level;
      this.total = data.total || 0;
      for (const feature of data.features || []) this.put(feature);
      if (this.opts.onData) this.opts.onData(this);
    }

    put(feature) {
      const old = this.features.get(feature.properties.key);
      if (old) this.group.removeLayer(old.layer);
      const layer = this.opts.render(feature, this);
      this.group.addLayer(layer);
      this.features.set(feature.properties.key, { feature, layer });
    }

    setVisible(on) {
      this.visible = on;
      if (on) {
        this.group.addTo(this.map);
        this.refresh();
      } else {
        this.group.remove();
      }
    }

    /** Count a new complaint without reloading the view (exact at every level but the grid
     * clusters, which are recomputed by the server shortly after). */
    addComplaint(p) {
      if (!this.visible || !p || !Array.isArray(p.point)) return;
      if (this.opts.accepts && !this.opts.accepts(p)) return;
      const [lon, lat] = p.point;
      if (!this.map.getBounds().pad(0.05).contains([lat, lon])) return;
      const level = this.level;
      if (level === 'cluster' || level === null) {
        this.refreshSoon();
        return;
      }
      let key;
      let feature;
      if (level === 'point') {
        key = String(p.id);
        if (this.features.has(key)) return;
        feature = {
          type: 'Feature', id: p.id, geometry: { type: 'Point', coordinates: [lon, lat] },
          properties: { key, id: p.id, count: 1, open: 1, overdue: p.overdue ? 1 : 0,
            status: p.status, category: p.category, channel: p.channel },
        };
      } else {
        key = level === 'regency' ? p.area && p.area.regency
          : level === 'district' ? p.area && p.area.district
            : p.area && p.area.province;
        if (!key) return;
        const found = this.features.get(key);
        if (found) {
          const props = Object.assign({}, found.feature.properties);
          props.count += 1;
          props.open += 1;
          if (p.overdue) props.overdue += 1;
          feature = Object.assign({}, found.feature, { properties: props });
        } else {
          feature = {
            type: 'Feature', geometry: { type: 'Point', coordinates: [lon, lat] },
            properties: { key, code: key, count: 1, open: 1, overdue: p.overdue ? 1 : 0 },
          };
        }
      }
      this.total += 1;
      this.put(feature);
      if (this.opts.onData) this.opts.onData(this);
    }

    /** Sum of the counts on screen: equals `total` from the server (exact aggregation). */
    sum() {
      let n = 0;
      for (const { feature } of this.features.values()) n += feature.properties.count;
      return n;
    }

    /** The loaded point features (for exports of what is on screen). */
    featureList() {
      return Array.from(this.features.values(), (x) => x.feature);
    }
  }

  function bubbleIcon(kind, props, extraClass, zoom) {
    const count = props.count || 0;
    const base = zoom < 6 ? 0.9 : 1.25; // many regencies at a national view: smaller
    const size = Math.round(rem() * (base + 0.5 * Math.log10(count + 1)));
    const label = K.el('span', { text: count > 9999 ? Math.round(count / 1000) + 'k' : count });
    return L.divIcon({
      className: 'kd-bubble kd-bubble-' + kind + (extraClass ? ' ' + extraClass : ''),
      html: label,
      iconSize: [size, size],
    });
  }

  function zoomInto(map, latlng) {
    map.setView(latlng, Math.min(map.getZoom() + 2, 16));
  }

  /** Markers of the complaint layer. */
  function complaintRenderer(onSelect) {
    return function (feature, agg) {
      const p = feature.properties;
      const [lon, lat] = feature.geometry.coordinates;
      if (agg.level === 'point') {
        const m = L.circleMarker([lat, lon], {
          radius: 0.45 * rem(),
          className: 'kd-complaint kd-status-' + p.status + (p.overdue ? ' kd-overdue' : ''),
        });
        m.bindPopup(() => popupOf(K.t('ui_complaint_n', { id: p.id }), [
          [K.t('ui_status'), K.tOr('status_' + p.status, p.status)],
          [K.t('ui_channel'), K.tOr('channel_' + p.channel, p.channel)],
          [K.t('ui_category'), p.category],
          [K.t('ui_overdue'), p.overdue ? K.t('ui_yes') : null],
        ]));
        if (onSelect) m.on('click', () => onSelect(p.id));
        return m;
      }
      const marker = L.marker([lat, lon], {
        icon: bubbleIcon('complaints', p, p.overdue ? 'has-overdue' : '', agg.map.getZoom()),
        keyboard: false,
      });
      marker.bindTooltip(K.el('span', {
        text: K.t('ui_bubble_complaints', { name: p.name || p.code || '', count: p.count,
          open: p.open, overdue: p.overdue }),
      }));
      marker.on('click', () => zoomInto(agg.map, [lat, lon]));
      return marker;
    };
  }

  /** Markers of the responder layer; `dots` draws groups as plain dots sized by their count
   * (the wall: presence at a glance, no numbers to read). */
  function responderRenderer(dots) {
    return function (feature, agg) {
      const p = feature.properties;
      const [lon, lat] = feature.geometry.coordinates;
      if (dots && agg.level !== 'point') {
        const m = L.circleMarker([lat, lon], { // small: presence, not a blot over the areas
          radius: 0.12 * rem() * (1 + Math.log10(p.count || 1)), interactive: false,
          className: 'kd-responder kd-responder-dot' + (p.available ? '' : ' kd-avail-busy'),
        });
        return m;
      }
      if (agg.level === 'point') {
        const m = L.circleMarker([lat, lon], {
          radius: 0.4 * rem(), className: 'kd-responder kd-avail-' + p.availability,
        });
        m.bindPopup(() => popupOf(p.name || '#' + p.id, [
          [K.t('ui_type'), K.tOr('responder_' + p.type, p.type)],
          [K.t('ui_availability'), K.tOr('avail_' + p.availability, p.availability)],
        ]));
        return m;
      }
      const marker = L.marker([lat, lon], {
        icon: bubbleIcon('responders', p, p.available ? '' : 'none-available',
          agg.map.getZoom()),
        keyboard: false,
      });
      marker.bindTooltip(K.el('span', {
        text: K.t('ui_bubble_responders', { count: p.count, available: p.available,
          busy: p.busy }),
      }));
      marker.on('click', () => zoomInto(agg.map, [lat, lon]));
      return marker;
    };
  }

  /** A quake's overlay: epicentre, intensity contours, affected areas (filled by MMI on the
   * given area layer's polygons), tsunami-flagged coasts. Replaced, never accumulated. */
  class QuakeOverlay {
    constructor(map, areaLayer) {
      this.map = map;
      this.areas = areaLayer;
      this.group = L.featureGroup().addTo(map);
      this.contours = null;
      this.quakeId = null;
    }

    clear() {
      this.group.clearLayers();
      this.contours = null;
      this.quakeId = null;
    }

    draw(quake) {
      this.clear();
      const p = quake.properties;
      this.quakeId = quake.id || p.id;
      const affected = [];
      const byCode = new Map((p.areas || []).map((a) => [a.code, a]));
      const regencyCodes = new Set();
      for (const a of p.areas || []) {
        regencyCodes.add(a.level === 'regency' ? a.code : a.code.split('.').slice(0, 2).join('.'));
      }
      for (const code of regencyCodes) {
        const lyr = this.areas && this.areas.byCode.get(code);
        if (!lyr) continue;
        const area = byCode.get(code) || { mmi: null };
        const mmi = area.mmi || Math.max(...(p.areas || [])
          .filter((a) => a.code.startsWith(code + '.')).map((a) => a.mmi || 0), 0);
        affected.push(L.geoJSON(lyr.feature, {
          interactive: false,
          style: () => ({
            className: 'kd-affected' + (area.tsunami_level ? ' kd-tsunami' : ''),
            color: area.tsunami_level ? '#00e5ff' : '#ffffff',
            weight: (area.tsunami_level ? 4 : 1) * rem() / 16,
            dashArray: area.tsunami_level ? '6 4' : null,
            fillColor: mmiColor(mmi),
            fillOpacity: 0.35,
          }),
        }));
      }
      const px = rem() / 16; // lines as thick on a 4K wall as on a 1080p one
      const contours = L.geoJSON(p.contours || { type: 'FeatureCollection', features: [] }, {
        interactive: false,
        style: (f) => ({
          className: 'kd-contour',
          color: mmiColor(f.properties.mmi),
          weight: (Number.isInteger(f.properties.mmi) ? 2 : 1) * px,
          opacity: 0.9,
          fill: false,
        }),
      });
      const epicentre = L.circleMarker([p.lat, p.lon], {
        radius: 0.7 * rem(), className: 'kd-epicentre', interactive: false,
      });
      for (const layer of affected) this.group.addLayer(layer);
      this.group.addLayer(contours);
      this.group.addLayer(epicentre);
      this.contours = contours;
      return this;
    }

    /** Where to look: the contours of felt shaking (MMI IV and up), else all of them. */
    bounds() {
      if (!this.contours) return null;
      const strong = this.contours.getLayers().filter((l) => l.feature.properties.mmi >= 4);
      const layers = strong.length ? strong : this.contours.getLayers();
      if (!layers.length) return null;
      const b = L.latLngBounds([]);
      for (const layer of layers) b.extend(layer.getBounds());
      return b.isValid() ? b : null;
    }
  }

  /** Marks of a timeline playback: capped, cleared when the playback stops. */
  class PlaybackMarks {
    constructor(map, max) {
      this.group = L.featureGroup().addTo(map);
      this.marks = [];
      this.max = max || 400;
    }

    add(msg) {
      const p = msg.payload || {};
      let mark = null;
      if (msg.type === K.ev.COMPLAINT_CREATED && Array.isArray(p.point)) {
        mark = L.circleMarker([p.point[1], p.point[0]], {
          radius: 0.3 * rem(), className: 'kd-pb kd-pb-complaint', interactive: false,
        });
      } else if (K.sameFamily(msg.type, K.ev.QUAKE_CREATED) && typeof p.lat === 'number') {
        mark = L.circleMarker([p.lat, p.lon], {
          radius: (0.3 + 0.15 * (p.magnitude || 0)) * rem(), className: 'kd-pb kd-pb-quake',
          interactive: false,
        });
      }
      if (!mark) return;
      this.group.addLayer(mark);
      this.marks.push(mark);
      while (this.marks.length > this.max) this.group.removeLayer(this.marks.shift());
    }

    clear() {
      this.group.clearLayers();
      this.marks.length = 0;
    }
  }

  K.map = {
    PlaybackMarks,
    INDONESIA, create, bboxOf, zoomOf, mmiColor, popupOf, rem,
    AreaLayer, AggregateLayer, QuakeOverlay, complaintRenderer, responderRenderer,
  };
}());
