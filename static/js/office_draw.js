/* Drawing a polygon on the office map, without a plug-in from a CDN: each click adds a
 * vertex, a click on the first vertex (or "Selesai") closes the ring, Backspace (or "Hapus
 * titik") takes the last one back, Escape (or "Batal") gives up. */
(function () {
  'use strict';
  const K = window.Kendali;
  const L = window.L;

  class PolygonDraw {
    /** opts: {onDone(geojsonPolygon), onCancel(), onChange(vertexCount)} */
    constructor(map, opts) {
      this.map = map;
      this.opts = opts || {};
      this.points = [];
      this.layer = L.featureGroup();
      this.active = false;
      this.onClick = (e) => this.add(e.latlng);
      this.onKey = (e) => {
        if (e.key === 'Escape') this.cancel();
        if (e.key === 'Backspace' && e.target === document.body) this.undo();
      };
    }

    start() {
      this.stop();
      this.active = true;
      this.points = [];
      this.layer.addTo(this.map);
      this.map.on('click', this.onClick);
      this.map.doubleClickZoom.disable();
      document.addEventListener('keydown', this.onKey);
      this.map.getContainer().classList.add('drawing');
      this.redraw();
    }

    add(latlng) {
      if (!this.active) return;
      const first = this.points[0];
      if (first && this.points.length >= 3) {
        const a = this.map.latLngToContainerPoint(first);
        const b = this.map.latLngToContainerPoint(latlng);
        if (a.distanceTo(b) < 12) return this.finish(); // a click on the first vertex
      }
      this.points.push(latlng);
      return this.redraw();
    }

    undo() {
      this.points.pop();
      this.redraw();
    }

    redraw() {
      this.layer.clearLayers();
      if (this.points.length >= 2) {
        this.layer.addLayer(L.polygon(this.points, { className: 'kd-draw', interactive: false }));
      }
      this.points.forEach((p, i) => this.layer.addLayer(L.circleMarker(p, {
        radius: i === 0 ? 7 : 5, className: 'kd-draw-vertex' + (i === 0 ? ' first' : ''),
        interactive: false,
      })));
      if (this.opts.onChange) this.opts.onChange(this.points.length);
    }

    /** The drawn ring as a GeoJSON Polygon (closed, lon/lat), or null under 3 vertices. */
    polygon() {
      if (this.points.length < 3) return null;
      const ring = this.points.map((p) => [Number(p.lng.toFixed(5)), Number(p.lat.toFixed(5))]);
      ring.push(ring[0]);
      return { type: 'Polygon', coordinates: [ring] };
    }

    finish() {
      const polygon = this.polygon();
      if (!polygon) return;
      this.stop(true);
      if (this.opts.onDone) this.opts.onDone(polygon);
    }

    cancel() {
      const was = this.active;
      this.stop();
      if (was && this.opts.onCancel) this.opts.onCancel();
    }

    /** Stop listening; `keep` leaves the shape drawn (until the form is done with it). */
    stop(keep) {
      this.active = false;
      this.map.off('click', this.onClick);
      this.map.doubleClickZoom.enable();
      document.removeEventListener('keydown', this.onKey);
      this.map.getContainer().classList.remove('drawing');
      if (!keep) {
        this.layer.clearLayers();
        this.layer.remove();
      }
    }
  }

  K.PolygonDraw = PolygonDraw;
}());
