/* The tablet's map (Leaflet, served by Kendali): the worker's regency and its districts, each
 * active assignment's outline (the incident's polygon or the area's outline) and target (the
 * dispatch anchor: where help is needed), and the worker's position. It draws from data the
 * page keeps, so it still draws offline; tiles only when KENDALI_TILE_URL is set (the service
 * worker keeps those it has shown). Text from data goes into tooltips as DOM text, never HTML. */
(function () {
  'use strict';
  const K = window.Kendali;

  const INDONESIA = [[-11.2, 94.7], [6.3, 141.2]];
  const STYLE = {
    regency: { color: '#9fb3c8', weight: 2.5, fill: false, dashArray: '8 6', className: 'regency' },
    district: { color: '#56697c', weight: 1, fill: false, className: 'district' },
    incident: { color: '#ff9f1c', weight: 3, fillColor: '#ff9f1c', fillOpacity: 0.18 },
    area: { color: '#ffd166', weight: 3, fillColor: '#ffd166', fillOpacity: 0.12 },
  };

  function label(text) {
    return K.el('span', { text }); // a node: Leaflet would read a string as HTML
  }

  class FieldMap {
    constructor(node, tileUrl) {
      this.map = L.map(node, { zoomControl: true, attributionControl: false, tap: true })
        .fitBounds(INDONESIA);
      if (tileUrl) L.tileLayer(tileUrl, { maxZoom: 18 }).addTo(this.map);
      this.regionLayer = L.layerGroup().addTo(this.map);
      this.outlineLayer = L.layerGroup().addTo(this.map);
      this.targetLayer = L.layerGroup().addTo(this.map);
      this.hereLayer = L.layerGroup().addTo(this.map);
      this.regionBounds = null;
      this.fitted = '';
      this.targets = new Map();
    }

    setRegion(fc) {
      this.regionLayer.clearLayers();
      if (!fc || !Array.isArray(fc.features) || !fc.features.length) return;
      const isRegency = (f) => (f.properties || {}).level === 'regency';
      // districts first, so the regency's outline is drawn over theirs
      const features = fc.features.slice().sort((a, b) => isRegency(a) - isRegency(b));
      const layer = L.geoJSON({ type: 'FeatureCollection', features }, {
        style: (f) => STYLE[isRegency(f) ? 'regency' : 'district'],
        interactive: false,
      });
      this.regionLayer.addLayer(layer);
      this.regionBounds = layer.getBounds();
      if (!this.fitted) this.fit([]);
    }

    /** Draw the active assignments; fit the view when the set of them changes. */
    setAssignments(items) {
      this.outlineLayer.clearLayers();
      this.targetLayer.clearLayers();
      this.targets.clear();
      for (const a of items) {
        if (a.outline) {
          const kind = a.outline_kind === 'incident' ? 'incident' : 'area';
          this.outlineLayer.addLayer(L.geoJSON(a.outline, {
            style: Object.assign({}, STYLE[kind], { className: 'outline outline-' + kind }),
            interactive: false,
          }));
        }
        const t = a.target;
        if (t && typeof t.lat === 'number') {
          const marker = L.circleMarker([t.lat, t.lon], {
            radius: 13, color: '#ffffff', weight: 3, fillColor: '#e63946', fillOpacity: 1,
            className: 'target target-' + a.id,
          }).bindTooltip(label(a.area_name || a.area), {
            permanent: true, direction: 'top', offset: [0, -14], className: 'target-label' });
          this.targetLayer.addLayer(marker);
          this.targets.set(a.id, marker);
        }
      }
      this.items = items;
      const key = items.map((a) => a.id).join(',');
      if (key !== this.fitted) this.fit(items, key);
    }

    fit(items, key) {
      let bounds = null;
      for (const a of items) {
        const layerBounds = a.outline ? L.geoJSON(a.outline).getBounds() : null;
        for (const b of [layerBounds, a.target && typeof a.target.lat === 'number'
          ? L.latLngBounds([a.target.lat, a.target.lon], [a.target.lat, a.target.lon]) : null]) {
          if (!b || !b.isValid()) continue;
          bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
        }
      }
      // me too, when near enough that the target area stays readable
      if (bounds && this.here && bounds.getCenter().distanceTo(this.here) < 50000) {
        bounds.extend(this.here);
      }
      bounds = bounds || this.regionBounds;
      if (!bounds || !bounds.isValid()) return;
      this.fitted = key || 'region';
      this.map.fitBounds(bounds, { padding: [28, 28], maxZoom: 15, animate: false });
    }

    setHere(pos) {
      this.hereLayer.clearLayers();
      if (!pos || typeof pos.lat !== 'number') return;
      const first = !this.here;
      this.here = L.latLng(pos.lat, pos.lon);
      if (first && this.items) this.fit(this.items, this.fitted);
      if (pos.accuracy && pos.accuracy < 5000) {
        this.hereLayer.addLayer(L.circle(this.here, { radius: pos.accuracy, color: '#4fc3f7',
          weight: 1, fillOpacity: 0.1, interactive: false }));
      }
      this.hereLayer.addLayer(L.circleMarker(this.here, {
        radius: 9, color: '#ffffff', weight: 3, fillColor: '#1e88e5', fillOpacity: 1,
        className: 'here',
      }).bindTooltip(label(pos.live ? K.t('ui_here') : K.t('ui_last_position')),
        { direction: 'bottom', offset: [0, 10] }));
    }

    /** Centre one assignment (its card was tapped). */
    focus(a) {
      const b = a.outline ? L.geoJSON(a.outline).getBounds() : null;
      const still = { padding: [28, 28], maxZoom: 15, animate: false };
      if (b && b.isValid()) this.map.fitBounds(b, still);
      else if (a.target) this.map.setView([a.target.lat, a.target.lon], 14, { animate: false });
    }

    resize() {
      this.map.invalidateSize();
    }
  }

  K.FieldMap = FieldMap;

  /** A `geo:` URI (RFC 5870) for the tablet's navigation app, with a label for Android's. */
  K.geoUri = function (lat, lon, name) {
    const ll = lat.toFixed(6) + ',' + lon.toFixed(6);
    return 'geo:' + ll + '?q=' + ll + (name ? '(' + encodeURIComponent(name) + ')' : '');
  };
}());
