/* /office: a regional office (or the command room's operators) — its own area only (the API
 * scopes every answer), complaints as a list and on the map with the same filters, status
 * changes with a note, the unplaced queue (national staff), incidents and their dispatch,
 * exports of what is loaded, the event ticker and timeline playback. */
(function () {
  'use strict';
  const K = window.Kendali;
  const $ = K.$;
  const L = window.L;

  const OPEN = ['baru', 'diverifikasi', 'diteruskan', 'ditindaklanjuti'];
  const TRANSITIONS = {
    baru: ['diverifikasi', 'ditolak', 'bukan_wewenang'],
    diverifikasi: ['diteruskan', 'ditindaklanjuti', 'ditolak', 'bukan_wewenang'],
    diteruskan: ['ditindaklanjuti', 'bukan_wewenang'],
    ditindaklanjuti: ['selesai'],
  };
  const REASON_REQUIRED = ['ditolak', 'bukan_wewenang'];
  const PAGE = 100;

  const app = document.getElementById('app');
  const region = K.config.region || '';
  const national = !region;
  const zone = () => K.viewerZone();

  const state = {
    list: [], // loaded complaint features (what is on screen)
    next: null,
    selected: null,
    fresh: 0, // complaints arrived since the list was loaded
    incidents: [],
    placing: null, // unplaced complaint id waiting for a map click
  };

  // -- map -------------------------------------------------------------------------------
  const map = K.map.create($('#map'), { tileUrl: K.config.tileUrl, zoomSnap: 0.5 });
  const minLevel = !region ? 'province' : region.includes('.') ? 'district' : 'regency';
  const areas = new K.map.AreaLayer(map, {
    minLevel, style: () => ({ className: 'kd-area', color: '#6c7f92', weight: 1,
      fillColor: '#1b2836', fillOpacity: 0.35 }),
  });
  const complaints = new K.map.AggregateLayer(map, {
    url: '/api/v1/map/complaints',
    params: mapFilters,
    render: K.map.complaintRenderer((id) => select(id)),
    accepts: acceptsNew,
    onData: (agg) => {
      $('#map-count').textContent = K.t('ui_in_view', { n: K.formatNumber(agg.total) });
      app.dataset.mapTotal = String(agg.total);
      app.dataset.mapSum = String(agg.sum());
    },
  });
  const responders = new K.map.AggregateLayer(map, {
    url: '/api/v1/map/responders', render: K.map.responderRenderer(),
  });
  const marks = new K.map.PlaybackMarks(map);
  let selectedMark = null;

  /** Fit the map to the account's own area (the API answers only that) and name it. */
  async function fitRegion() {
    if (national) return;
    const level = region.includes('.') ? 'regency' : 'province';
    try {
      const data = await K.api('/api/v1/map/areas?' + K.query({ level, zoom: 6 }),
        { cache: 'default' });
      const own = (data.features || []).find((f) => f.properties.code === region);
      if (own) $('#region-name').textContent = own.properties.name + ' (' + region + ')';
      const bounds = L.geoJSON(own || data).getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
    } catch (err) { /* keep the national view */ }
  }

  map.on('click', (e) => {
    if (state.placing) placeAt(state.placing, e.latlng);
  });

  // -- filters ----------------------------------------------------------------------------
  const form = $('#filters');

  function filters() {
    const data = new FormData(form);
    return {
      status: data.get('status') || 'all',
      channel: data.get('channel') || '',
      category: data.get('category') || '',
      inView: data.get('in_view') === 'on',
    };
  }

  function mapFilters() {
    const f = filters(); // the map API takes open, overdue, all or one status, like the list
    return { status: f.status, channel: f.channel, category: f.category };
  }

  function listQuery() {
    const f = filters();
    const q = { channel: f.channel, category: f.category, limit: PAGE };
    if (f.status === 'open') q.status = OPEN.join(',');
    else if (f.status === 'overdue') q.overdue = 'true';
    else if (f.status !== 'all') q.status = f.status;
    if (f.inView) q.bbox = K.map.bboxOf(map, 0);
    return q;
  }

  function acceptsNew(p) {
    const f = filters();
    if (f.channel && p.channel !== f.channel) return false;
    if (f.category && p.category !== f.category) return false;
    if (f.status === 'overdue') return !!p.overdue;
    if (f.status === 'open') return OPEN.includes(p.status);
    return f.status === 'all' || f.status === p.status;
  }

  form.addEventListener('change', () => {
    loadList();
    complaints.refresh();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    loadList();
  });
  map.on('moveend', K.debounce(() => {
    if (filters().inView) loadList();
  }, 400));

  // -- the list ---------------------------------------------------------------------------
  function areaText(area) {
    if (!area) return K.t('ui_unplaced');
    const parts = [area.district, area.regency, area.province].filter(Boolean)
      .map((a) => a.name || a.code);
    return parts.length ? parts.slice(0, 2).join(', ') : K.t('ui_unplaced');
  }

  function statusChip(status) {
    return K.el('span', { class: 'chip status status-' + status,
      text: K.tOr('status_' + status, status) });
  }

  function listItem(f) {
    const p = f.properties;
    return K.el('li', {
      class: 'complaint' + (p.overdue ? ' overdue' : '') +
        (state.selected === p.id ? ' selected' : ''),
      dataset: { id: p.id, status: p.status },
      tabindex: 0,
      onclick: () => select(p.id),
      onkeydown: (e) => { if (e.key === 'Enter') select(p.id); },
    },
    K.el('div', { class: 'row1' },
      K.el('span', { class: 'cid', text: '#' + p.id }), statusChip(p.status),
      p.overdue ? K.el('span', { class: 'chip overdue', text: K.t('ui_overdue') }) : null,
      K.el('span', { class: 'channel', text: K.tOr('channel_' + p.channel, p.channel) }),
      K.el('span', { class: 'category', text: p.category || '' })),
    K.el('div', { class: 'row2' },
      K.el('span', { class: 'area', text: areaText(p.area) }),
      K.el('time', { datetime: p.received_at, text: K.formatTime(p.received_at, zone()) })),
    K.el('p', { class: 'desc', text: p.description || (p.redacted && p.redacted.length
      ? K.t('ui_redacted') : '') }));
  }

  function renderList() {
    const node = $('#complaints');
    K.clear(node);
    for (const f of state.list) node.append(listItem(f));
    if (!state.list.length) node.append(K.el('li', { class: 'muted', text: K.t('ui_none') }));
    $('#list-count').textContent = K.t('ui_loaded', { n: K.formatNumber(state.list.length) });
    $('#more').hidden = !state.next;
    $('#fresh').hidden = !state.fresh;
    $('#fresh').textContent = K.t('ui_fresh', { n: state.fresh });
    const api = '/api/v1/complaints?' + K.query(Object.assign(listQuery(), { limit: 1000 }));
    $('#export-api').href = api;
  }

  let listCtrl = null;
  async function loadList(more) {
    if (listCtrl) listCtrl.abort();
    listCtrl = new AbortController();
    const url = more && state.next ? state.next
      : '/api/v1/complaints?' + K.query(listQuery());
    try {
      const body = await K.api(url, { signal: listCtrl.signal });
      state.list = more ? state.list.concat(body.features) : body.features;
      state.next = body.next || (body.links && body.links.next) || null;
      if (!more) state.fresh = 0;
      renderList();
    } catch (err) {
      if (err.name !== 'AbortError') showError($('#list-error'), err);
    }
  }

  $('#more').addEventListener('click', () => loadList(true));
  $('#fresh').addEventListener('click', () => loadList());

  // -- exports (what is loaded on screen; or the same filter through the API) ----------------
  const CSV_COLUMNS = ['id', 'external_id', 'received_at', 'channel', 'category', 'status',
    'overdue', 'province', 'regency', 'district', 'lon', 'lat', 'description'];

  function csvCell(value) {
    let text = value === null || value === undefined ? '' : String(value);
    if (/^[=+\-@\t\r]/.test(text)) text = "'" + text; // no formulas when opened in a sheet
    return '"' + text.replace(/"/g, '""') + '"';
  }

  function toCsv(features) {
    const lines = [CSV_COLUMNS.join(',')];
    for (const f of features) {
      const p = f.properties;
      const a = p.area || {};
      const c = f.geometry ? f.geometry.coordinates : [null, null];
      lines.push([p.id, p.external_id, p.received_at, p.channel, p.category, p.status,
        p.overdue, a.province && a.province.code, a.regency && a.regency.code,
        a.district && a.district.code, c[0], c[1], p.description].map(csvCell).join(','));
    }
    return '\ufeff' + lines.join('\r\n') + '\r\n';
  }

  function stamp() {
    return new Date().toISOString().slice(0, 16).replace(/[:T]/g, '');
  }

  $('#export-csv').addEventListener('click', () => {
    K.download('kendali-pengaduan-' + stamp() + '.csv', toCsv(state.list), 'text/csv');
  });
  $('#export-geojson').addEventListener('click', () => {
    const body = { type: 'FeatureCollection', features: state.list };
    K.download('kendali-pengaduan-' + stamp() + '.geojson', JSON.stringify(body),
      'application/geo+json');
  });

  // -- detail and status changes ------------------------------------------------------------
  async function select(id) {
    state.selected = id;
    for (const li of document.querySelectorAll('#complaints li.selected')) {
      li.classList.remove('selected');
    }
    const li = document.querySelector('#complaints li[data-id="' + Number(id) + '"]');
    if (li) li.classList.add('selected');
    showTab('detail');
    const node = $('#detail');
    K.clear(node).append(K.el('p', { class: 'muted', text: K.t('ui_loading') }));
    try {
      const f = await K.api('/api/v1/complaints/' + Number(id));
      renderDetail(f);
    } catch (err) {
      K.clear(node);
      showError(node, err);
    }
  }

  function renderDetail(f) {
    const p = f.properties;
    const node = $('#detail');
    K.clear(node);
    node.dataset.id = p.id;
    const facts = [
      [K.t('ui_status'), K.tOr('status_' + p.status, p.status)],
      [K.t('ui_channel'), K.tOr('channel_' + p.channel, p.channel)],
      [K.t('ui_category'), p.category],
      [K.t('ui_area'), areaText(p.area)],
      [K.t('ui_received'), K.formatTime(p.received_at, zone())],
      [K.t('ui_assigned'), p.assigned_to],
      [K.t('ui_overdue'), p.overdue ? K.t('ui_yes') : null],
      [K.t('ui_reporter'), p.reporter ? [p.reporter.name, p.reporter.phone]
        .filter(Boolean).join(' · ') : null],
      [K.t('ui_location'), locationText(p.location)],
    ];
    const dl = K.el('dl', { class: 'facts' });
    for (const [label, value] of facts) {
      if (value === null || value === undefined || value === '') continue;
      dl.append(K.el('dt', { text: label }), K.el('dd', { text: String(value) }));
    }
    node.append(K.el('h3', { text: K.t('ui_complaint_n', { id: p.id }) }), dl,
      K.el('p', { class: 'desc full', text: p.description || '' }));
    node.append(statusForm(p));
    node.append(K.el('h4', { text: K.t('ui_timeline') }), K.el('ol', { class: 'timeline' },
      (p.timeline || []).slice(-30).reverse().map((e) => K.el('li', {},
        K.el('time', { text: K.formatTime(e.at, zone()) }), ' ',
        K.el('span', { class: 'actor', text: e.actor || '' }), ' ',
        K.el('span', { text: e.to ? K.tOr('status_' + e.to, e.to) : e.action }),
        e.note ? K.el('q', { text: e.note }) : null))));
    if (f.geometry) {
      if (selectedMark) selectedMark.remove();
      const [lon, lat] = f.geometry.coordinates;
      selectedMark = L.circleMarker([lat, lon], { radius: 0.8 * K.map.rem(),
        className: 'kd-selected', interactive: false }).addTo(map);
    }
  }

  function locationText(loc) {
    if (!loc || typeof loc !== 'object') return loc || null;
    return Object.values(loc).filter((v) => typeof v === 'string' || typeof v === 'number')
      .join(', ');
  }

  function statusForm(p) {
    const next = TRANSITIONS[p.status] || [];
    const select = K.el('select', { name: 'status' },
      K.el('option', { value: '', text: K.t('ui_keep_status') }),
      next.map((s) => K.el('option', { value: s, text: K.tOr('status_' + s, s) })));
    const reasonLabel = K.el('label', { class: 'reason', hidden: true },
      K.t('ui_reason'), K.el('input', { name: 'reason', maxlength: 2000 }));
    select.addEventListener('change', () => {
      reasonLabel.hidden = !REASON_REQUIRED.includes(select.value);
    });
    const error = K.el('p', { class: 'error', role: 'alert' });
    const form = K.el('form', { class: 'status-form', dataset: { id: p.id } },
      K.el('label', {}, K.t('ui_new_status'), select), reasonLabel,
      K.el('label', {}, K.t('ui_note'), K.el('textarea', { name: 'note', rows: 3,
        maxlength: 4000 })),
      K.el('button', { type: 'submit', text: K.t('ui_save') }), error);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const data = new FormData(form);
      const body = {};
      for (const key of ['status', 'note', 'reason']) {
        const v = (data.get(key) || '').trim();
        if (v) body[key] = v;
      }
      if (!body.status && !body.note) {
        error.textContent = K.t('ui_nothing_to_save');
        return;
      }
      form.querySelector('button').disabled = true;
      try {
        const f = await K.api('/api/v1/complaints/' + p.id, { method: 'PATCH', body });
        renderDetail(f);
        replaceInList(f);
      } catch (err) {
        showError(error, err);
        form.querySelector('button').disabled = false;
      }
    });
    return form;
  }

  function replaceInList(f) {
    const i = state.list.findIndex((x) => x.properties.id === f.properties.id);
    if (i < 0) return;
    const props = Object.assign({}, state.list[i].properties);
    for (const key of Object.keys(props)) if (key in f.properties) props[key] = f.properties[key];
    state.list[i] = Object.assign({}, state.list[i], { properties: props });
    const li = document.querySelector('#complaints li[data-id="' + f.properties.id + '"]');
    if (li) li.replaceWith(listItem(state.list[i]));
  }

  function showError(node, err) {
    if (!node) return;
    const fields = err.body && err.body.fields ? Object.entries(err.body.fields)
      .map(([k, v]) => k + ': ' + v).join('; ') : '';
    node.textContent = err instanceof K.ApiError
      ? (err.body.error || 'HTTP ' + err.status) + (fields ? ' — ' + fields : '')
      : K.t('ui_network_error');
  }

  // -- the unplaced queue (national staff only) ----------------------------------------------
  async function loadUnplaced() {
    if (!$('#unplaced')) return;
    const node = $('#unplaced');
    try {
      const body = await K.api('/api/v1/complaints/unplaced?limit=50');
      K.clear(node);
      if (!body.features.length) node.append(K.el('li', { class: 'muted', text: K.t('ui_none') }));
      for (const f of body.features) node.append(unplacedItem(f));
    } catch (err) {
      K.clear(node);
      showError(node, err);
    }
  }

  function unplacedItem(f) {
    const p = f.properties;
    const input = K.el('input', { name: 'district', placeholder: '72.71.01', size: 10,
      pattern: '[0-9.]+', 'aria-label': K.t('ui_district_code') });
    const error = K.el('span', { class: 'error', role: 'alert' });
    const li = K.el('li', { class: 'unplaced', dataset: { id: p.id } },
      K.el('div', { class: 'row1' }, K.el('span', { class: 'cid', text: '#' + p.id }),
        K.el('span', { class: 'channel', text: K.tOr('channel_' + p.channel, p.channel) }),
        K.el('time', { text: K.formatTime(p.received_at, zone()) })),
      K.el('p', { class: 'loc', text: locationText(p.location) || '—' }),
      p.match ? K.el('p', { class: 'match', text: K.t('ui_match') + ': ' + matchText(p.match) })
        : null,
      K.el('p', { class: 'desc', text: p.description || '' }),
      K.el('div', { class: 'actions' }, input,
        K.el('button', { type: 'button', text: K.t('ui_place_district'),
          onclick: () => place(p.id, { district: input.value.trim() }, error) }),
        K.el('button', { type: 'button', text: K.t('ui_place_on_map'), onclick: () => {
          state.placing = p.id;
          app.classList.add('placing');
          error.textContent = K.t('ui_click_map');
        } })),
      error);
    return li;
  }

  /** How the address matched: its candidate areas, or whatever else the server says. */
  function matchText(match) {
    if (match && Array.isArray(match.candidates)) return match.candidates.join(', ') || '—';
    return locationText(match) || '—';
  }

  async function place(id, body, error) {
    try {
      await K.api('/api/v1/complaints/' + id + '/place', { method: 'POST', body });
      const li = document.querySelector('#unplaced li[data-id="' + id + '"]');
      if (li) li.remove();
      complaints.refreshSoon();
    } catch (err) {
      showError(error, err);
    }
  }

  function placeAt(id, latlng) {
    state.placing = null;
    app.classList.remove('placing');
    const li = document.querySelector('#unplaced li[data-id="' + id + '"]');
    place(id, { lat: Number(latlng.lat.toFixed(6)), lon: Number(latlng.lng.toFixed(6)) },
      li ? li.querySelector('.error') : null);
  }

  // -- incidents and dispatch --------------------------------------------------------------
  const ACKED = ['acknowledged', 'en_route', 'on_site', 'done'];

  async function loadIncidents() {
    const node = $('#incidents');
    try {
      const body = await K.api('/api/v1/incidents');
      const open = body.incidents.filter((i) => i.status !== 'closed')
        .sort((a, b) => b.id - a.id).slice(0, 10);
      const details = await Promise.all(open.map((i) =>
        K.api('/api/v1/incidents/' + i.id + '/dispatch').catch(() => null)));
      K.clear(node);
      if (!open.length) node.append(K.el('li', { class: 'muted', text: K.t('ui_no_incidents') }));
      details.filter(Boolean).forEach((d) => node.append(incidentItem(d)));
    } catch (err) {
      showError(node, err);
    }
  }

  function incidentItem(d) {
    const i = d.incident;
    return K.el('li', { class: 'incident', dataset: { incidentId: i.id } },
      K.el('div', { class: 'incident-head' },
        K.el('span', { class: 'sev sev-' + i.severity,
          text: K.tOr('severity_' + i.severity, i.severity) }),
        K.el('span', { class: 'title', text: i.title }),
        K.el('time', { text: K.formatTime(i.created_at, zone()) })),
      K.el('ul', { class: 'areas' }, d.areas.map((a) => {
        const acked = a.dispatches.filter((x) => ACKED.includes(x.state)).length;
        return K.el('li', { class: 'area ' + (acked >= a.needed ? 'staffed'
          : a.unstaffed_at ? 'unstaffed' : 'pending'), dataset: { area: a.code } },
        K.el('span', { class: 'name', text: (a.name || a.code) + ' ' + acked + '/' + a.needed }),
        K.el('span', { class: 'chips' }, a.dispatches.map((x) => K.el('span', {
          class: 'chip state-' + x.state, dataset: { dispatchId: x.id, state: x.state },
          text: ((x.responder && x.responder.name) || '#' + x.responder_id) + ' · ' +
            K.tOr('state_' + x.state, x.state),
        }))));
      })),
      K.reportsBlock(i.id, zone));
  }

  const loadIncidentsSoon = K.debounce(loadIncidents, 800);

  // -- tabs ----------------------------------------------------------------------------------
  function showTab(name) {
    for (const btn of document.querySelectorAll('[data-tab]')) {
      const on = btn.dataset.tab === name;
      btn.setAttribute('aria-selected', String(on));
      $('#tab-' + btn.dataset.tab).hidden = !on;
    }
    if (name === 'unplaced') loadUnplaced();
    if (name === 'incidents') loadIncidents();
  }

  for (const btn of document.querySelectorAll('[data-tab]')) {
    btn.addEventListener('click', () => showTab(btn.dataset.tab));
  }

  // -- live ----------------------------------------------------------------------------------
  const ticker = new K.Ticker($('#ticker'), 50, zone);
  const nameOf = (code) => areas.nameOf(code);
  const live = new K.Live({ page: 'office' });
  live.bindIndicator($('#conn'));
  K.live = live; // for the browser tests and the console

  live.on('*', (msg) => {
    const text = K.describe(msg, nameOf);
    if (text) ticker.add(msg, text);
  });
  live.on(K.ev.COMPLAINT_CREATED, (msg) => {
    complaints.addComplaint(msg.payload);
    if (acceptsNew(msg.payload || {})) {
      state.fresh += 1;
      $('#fresh').hidden = false;
      $('#fresh').textContent = K.t('ui_fresh', { n: state.fresh });
    }
  });
  live.on(K.ev.COMPLAINT_UPDATED, (msg) => {
    const p = msg.payload || {};
    const li = document.querySelector('#complaints li[data-id="' + Number(p.id) + '"]');
    if (li) {
      const found = state.list.find((f) => f.properties.id === p.id);
      if (found) {
        found.properties.status = p.status;
        found.properties.overdue = p.overdue;
        li.replaceWith(listItem(found));
      }
    }
    if (state.selected === p.id && $('#detail').dataset.id === String(p.id)) {
      const form = $('#detail form');
      if (!form || !form.note.value) select(p.id);
    }
    complaints.refreshSoon();
  });
  live.on(K.ev.COMPLAINT_OVERDUE, () => complaints.refreshSoon());
  live.on(K.family(K.ev.INCIDENT_CREATED), loadIncidentsSoon);
  live.on(K.family(K.ev.DISPATCH_PREFIX), loadIncidentsSoon);
  live.on(K.ev.AREA_UNSTAFFED, loadIncidentsSoon);
  live.on(K.ev.AREA_CLOSED, loadIncidentsSoon);
  live.on(K.ev.REPORT_CREATED, loadIncidentsSoon);
  live.on(K.ev.RESPONDER_MOVED, () => responders.refreshSoon());
  const warnings = K.warnings.attach({ map, live, areas,
    mount: (section) => $('#tab-incidents').prepend(section) });
  live.on('reset', () => {
    warnings.load().catch(() => {});
    loadList();
    complaints.refresh();
    responders.refresh();
  });

  K.bindPlayback($('#playback'), {
    zone,
    onEvent: (msg) => {
      ticker.add(msg, K.describe(msg, nameOf), 'pb');
      marks.add(msg);
    },
    onState: (playing) => {
      app.classList.toggle('playback-on', playing);
      if (playing) {
        showTab('events');
        ticker.clear();
      } else {
        marks.clear();
        K.fillTicker(ticker, live.lastSeq, nameOf);
      }
    },
  });

  $('#toggle-responders').addEventListener('change', (e) => responders.setVisible(e.target.checked));

  async function main() {
    responders.setVisible($('#toggle-responders').checked);
    const { seq } = await K.snapshotSeq();
    await fitRegion();
    await Promise.all([areas.refresh(), loadList(), complaints.refresh(),
      K.fillTicker(ticker, seq, nameOf), warnings.load().catch(() => {})]);
    live.start(seq);
    app.dataset.ready = '1';
  }

  main();
}());
