/* The office's unplaced queue (national staff): complaints with no area yet, placed by a
 * district's code, by its name (suggested as one types; an unknown or ambiguous name says
 * so, never a raw error), or by a click on the map. */
(function () {
  'use strict';
  const K = window.Kendali;

  class UnplacedQueue {
    /** ctx: {app, map, zone(), node, onPlaced()} */
    constructor(ctx) {
      this.ctx = ctx;
      this.placing = null; // the complaint waiting for a click on the map
      ctx.map.on('click', (e) => {
        if (this.placing) this.placeAt(this.placing, e.latlng);
      });
    }

    async load() {
      const node = this.ctx.node;
      if (!node) return;
      try {
        const body = await K.api('/api/v1/complaints/unplaced?limit=50');
        K.clear(node);
        if (!body.features.length) node.append(K.el('li', { class: 'muted', text: K.t('ui_none') }));
        for (const f of body.features) node.append(this.item(f));
      } catch (err) {
        K.clear(node).append(K.el('li', { class: 'error', text: K.errorText(err) }));
      }
    }

    item(f) {
      const p = f.properties;
      const input = K.el('input', { name: 'district', placeholder: K.t('ui_district_hint'),
        size: 18, maxlength: 100, autocomplete: 'off', 'aria-label': K.t('ui_district_code'),
        list: 'district-options-' + p.id });
      const options = K.el('datalist', { id: 'district-options-' + p.id });
      const error = K.el('span', { class: 'error', role: 'alert' });
      input.addEventListener('input', K.debounce(() => suggest(input.value, options), 250));
      return K.el('li', { class: 'unplaced', dataset: { id: p.id } },
        K.el('div', { class: 'row1' }, K.el('span', { class: 'cid', text: '#' + p.id }),
          K.el('span', { class: 'channel', text: K.tOr('channel_' + p.channel, p.channel) }),
          K.el('time', { text: K.formatTime(p.received_at, this.ctx.zone()) })),
        K.el('p', { class: 'loc', text: K.complaintDetail.locationText(p.location) || '—' }),
        p.match ? K.el('p', { class: 'match', text: K.t('ui_match') + ': ' + matchText(p.match) })
          : null,
        K.el('p', { class: 'desc', text: p.description || '' }),
        K.el('div', { class: 'actions' }, input, options,
          K.el('button', { type: 'button', class: 'place', text: K.t('ui_place_district'),
            onclick: () => this.placeByText(p.id, input.value, error) }),
          K.el('button', { type: 'button', text: K.t('ui_place_on_map'), onclick: () => {
            this.placing = p.id;
            this.ctx.app.classList.add('placing');
            error.textContent = K.t('ui_click_map');
          } })),
        error);
    }

    /** A district code, or a district's name resolved to its code (one match), or a clear
     * message: never a raw error. */
    async placeByText(id, raw, error) {
      const text = raw.trim();
      if (/^\d{2}\.?\d{2}\.?\d{2}$/.test(text)) return this.place(id, { district: text }, error);
      if (text.length < 2) {
        error.textContent = K.t('err_why_district');
        return null;
      }
      try {
        const body = await K.api('/api/v1/areas/search?' + K.query({ q: text,
          level: 'district' }));
        const bare = text.toLowerCase().replace(/^(kec\.?|kecamatan)\s+/, '');
        const exact = body.areas.filter((a) => a.name.toLowerCase() === bare);
        const found = exact.length === 1 ? exact : body.areas;
        if (found.length === 1) return this.place(id, { district: found[0].code }, error);
        error.textContent = found.length ? K.t('ui_district_ambiguous', { names: found.slice(0, 4)
          .map((a) => a.name + ' (' + a.regency + ', ' + a.code + ')').join('; ') })
          : K.t('ui_district_unknown', { name: text });
      } catch (err) {
        K.showError(error, err);
      }
      return null;
    }

    async place(id, body, error) {
      try {
        await K.api('/api/v1/complaints/' + id + '/place', { method: 'POST', body });
        const li = document.querySelector('#unplaced li[data-id="' + id + '"]');
        if (li) li.remove();
        this.ctx.onPlaced();
      } catch (err) {
        K.showError(error, err);
      }
    }

    placeAt(id, latlng) {
      this.placing = null;
      this.ctx.app.classList.remove('placing');
      const li = document.querySelector('#unplaced li[data-id="' + id + '"]');
      this.place(id, { lat: Number(latlng.lat.toFixed(6)), lon: Number(latlng.lng.toFixed(6)) },
        li ? li.querySelector('.error') : null);
    }
  }

  /** Districts whose name contains what was typed: "Palu Timur — Kota Palu, Sulawesi Tengah". */
  async function suggest(text, options) {
    const q = text.trim();
    if (q.length < 2 || /^[0-9.]+$/.test(q)) return;
    try {
      const body = await K.api('/api/v1/areas/search?' + K.query({ q, level: 'district' }));
      K.clear(options);
      for (const a of body.areas) {
        options.append(K.el('option', { value: a.code, label: a.name + ' — ' + a.regency +
          ', ' + a.province }));
      }
    } catch (err) { /* suggestions are a help, not a must */ }
  }

  function matchText(match) {
    if (match && Array.isArray(match.candidates)) return match.candidates.join(', ') || '—';
    return K.complaintDetail.locationText(match) || '—';
  }

  K.UnplacedQueue = UnplacedQueue;
}());
