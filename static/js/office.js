/* /office: a regional office (or the command room's operators, nationally) — its own area
 * only (the API scopes every answer), complaints as a list and on the map with the same
 * filters (text, dates, sort), exports of what is loaded, the event ticker and playback.
 * The panels live in their own files: the complaint detail (office_detail.js), incidents and
 * dispatch (office_incidents.js, office_draw.js), the quake overlay and banner
 * (office_quake.js), the unplaced queue (office_unplaced.js). */
(function () {
  'use strict';
  const K = window.Kendali;
  const $ = K.$;
  const L = window.L;

  const OPEN = ['baru', 'diverifikasi', 'diteruskan', 'ditindaklanjuti'];
  const PAGE = 100;

  const app = document.getElementById('app');
  const region = K.config.region || '';
  const national = !region && !K.config.unit;
  const zone = () => K.viewerZone();

  const state = {
    list: [], // loaded complaint features (what is on screen)
    next: null,
    total: null,
    selected: null,
    fresh: 0, // complaints arrived since the list was loaded
    regionBounds: null,
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
      app.dataset.mapLevel = agg.level || '';
    },
  });
  const responders = new K.map.AggregateLayer(map, {
    url: '/api/v1/map/responders', render: K.map.responderRenderer(),
  });
  const marks = new K.map.PlaybackMarks(map);
  const quake = new K.OfficeQuake({
    app, map, banner: $('#quake-banner'), national,
    quietMs: Number(K.config.quietSeconds || 21600) * 1000,
    regionBounds: () => state.regionBounds,
  });
  const incidents = new K.OfficeIncidents({
    node: $('#incidents'), map, role: K.config.role, zone,
    hazards: (K.config.hazards || '').split(','), severities: (K.config.severities || '').split(','),
  });
  let selectedMark = null;

  /** Fit the map to the account's own area (the API answers only that) and name it. */
  async function fitRegion() {
    if (!region) return;
    const level = region.includes('.') ? 'regency' : 'province';
    try {
      const data = await K.api('/api/v1/map/areas?' + K.query({ level, zoom: 6 }),
        { cache: 'default' });
      const own = (data.features || []).find((f) => f.properties.code === region);
      if (own) $('#region-name').textContent = own.properties.name + ' (' + region + ')';
      const bounds = L.geoJSON(own || data).getBounds();
      if (bounds.isValid()) {
        state.regionBounds = bounds;
        map.fitBounds(bounds, { padding: [10, 10] });
      }
    } catch (err) { /* keep the national view */ }
  }

  const unplaced = new K.UnplacedQueue({ app, map, zone, node: $('#unplaced'),
    onPlaced: () => complaints.refreshSoon() });

  // -- filters ----------------------------------------------------------------------------
  const form = $('#filters');

  function filters() {
    const data = new FormData(form);
    return {
      status: data.get('status') || 'all',
      channel: data.get('channel') || '',
      category: data.get('category') || '',
      q: (data.get('q') || '').trim(),
      from: data.get('from') || '',
      to: data.get('to') || '',
      sort: data.get('sort') || 'newest',
      inView: data.get('in_view') === 'on',
    };
  }

  function mapFilters() {
    const f = filters(); // the map API takes open, overdue, all or one status, like the list
    return { status: f.status, channel: f.channel, category: f.category };
  }

  /** A date typed in the viewer's zone -> the instant its day begins there (ISO, offset). */
  function dayStart(date, plusDays) {
    const [y, m, d] = date.split('-').map(Number);
    const utc = Date.UTC(y, m - 1, d + (plusDays || 0)) - K.ZONES[zone()] * 3600e3;
    return new Date(utc).toISOString();
  }

  function listQuery() {
    const f = filters();
    const q = { channel: f.channel, category: f.category, limit: PAGE };
    if (f.status === 'open') q.status = OPEN.join(',');
    else if (f.status === 'overdue') q.overdue = 'true';
    else if (f.status !== 'all') q.status = f.status;
    if (f.q.length >= 3) q.q = f.q;
    if (f.from) q.start = dayStart(f.from);
    if (f.to) q.end = dayStart(f.to, 1); // the whole last day
    if (f.sort !== 'newest') q.sort = f.sort;
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

  form.addEventListener('change', (e) => {
    if (e.target.name === 'q') return; // typed: handled below
    loadList();
    if (['status', 'channel', 'category'].includes(e.target.name)) complaints.refresh();
  });
  form.addEventListener('input', K.debounce((e) => {
    if (e.target.name !== 'q') return;
    const text = e.target.value.trim();
    $('#q-hint').hidden = !(text.length > 0 && text.length < 3);
    if (text.length === 0 || text.length >= 3) loadList();
  }, 350));
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
      K.el('span', { class: 'cid', text: '#' + p.id }),
      K.el('span', { class: 'chip status status-' + p.status,
        text: K.tOr('status_' + p.status, p.status) }),
      p.overdue ? K.el('span', { class: 'chip overdue', text: K.t('ui_overdue') }) : null,
      p.possible_duplicate_of && !p.primary_id ? K.el('span', { class: 'chip dup',
        text: K.t('ui_dup_chip') }) : null,
      K.el('span', { class: 'channel', text: K.tOr('channel_' + p.channel, p.channel) }),
      K.el('span', { class: 'category', text: p.category || '' })),
    K.el('div', { class: 'row2' },
      K.el('span', { class: 'area', text: areaText(p.area) }),
      K.el('time', { datetime: p.received_at, text: K.formatTime(p.received_at, zone()) })),
    p.assigned_unit ? K.el('div', { class: 'row2 unit', text: '→ ' + p.assigned_unit.name })
      : null,
    K.el('p', { class: 'desc', text: p.description || (p.redacted && p.redacted.length
      ? K.t('ui_redacted') : '') }));
  }

  function renderList() {
    const node = K.clear($('#complaints'));
    for (const f of state.list) node.append(listItem(f));
    if (!state.list.length) node.append(K.el('li', { class: 'muted', text: K.t('ui_none') }));
    const total = state.total === null ? '' : state.totalExact
      ? K.formatNumber(state.total) : K.formatNumber(state.total) + '+';
    $('#list-count').textContent = K.t('ui_loaded_of', {
      n: K.formatNumber(state.list.length), total });
    app.dataset.listTotal = String(state.total);
    $('#more').hidden = !state.next;
    $('#fresh').hidden = !state.fresh;
    $('#fresh').textContent = K.t('ui_fresh', { n: state.fresh });
    $('#export-api').href = '/api/v1/complaints?' + K.query(Object.assign(listQuery(),
      { limit: 1000 }));
  }

  let listCtrl = null;
  async function loadList(more) {
    if (listCtrl) listCtrl.abort();
    listCtrl = new AbortController();
    const url = more && state.next ? state.next : '/api/v1/complaints?' + K.query(listQuery());
    try {
      const body = await K.api(url, { signal: listCtrl.signal });
      state.list = more ? state.list.concat(body.features) : body.features;
      state.next = body.next || (body.links && body.links.next) || null;
      state.total = body.total === undefined ? null : body.total;
      state.totalExact = body.total_exact !== false;
      if (!more) state.fresh = 0;
      $('#list-error').textContent = '';
      renderList();
    } catch (err) {
      if (err.name !== 'AbortError') K.showError($('#list-error'), err);
    }
  }

  $('#more').addEventListener('click', () => loadList(true));
  $('#fresh').addEventListener('click', () => loadList());

  // -- exports (what is loaded on screen; or the same filter through the API) ----------------
  const CSV_COLUMNS = ['id', 'external_id', 'received_at', 'channel', 'category', 'status',
    'overdue', 'province', 'regency', 'district', 'lon', 'lat', 'assigned_unit', 'description'];

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
        a.district && a.district.code, c[0], c[1], p.assigned_unit && p.assigned_unit.name,
        p.description].map(csvCell).join(','));
    }
    return '\ufeff' + lines.join('\r\n') + '\r\n';
  }

  const stamp = () => new Date().toISOString().slice(0, 16).replace(/[:T]/g, '');

  $('#export-csv').addEventListener('click', () => {
    K.download('kendali-pengaduan-' + stamp() + '.csv', toCsv(state.list), 'text/csv');
  });
  $('#export-geojson').addEventListener('click', () => {
    const body = { type: 'FeatureCollection', features: state.list };
    K.download('kendali-pengaduan-' + stamp() + '.geojson', JSON.stringify(body),
      'application/geo+json');
  });

  // -- the detail ------------------------------------------------------------------------------
  const detailCtx = { zone, areaText, open: (id) => select(id), onChanged: (f) => {
    showDetail(f);
    replaceInList(f);
  } };

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
      showDetail(await K.api('/api/v1/complaints/' + Number(id)));
    } catch (err) {
      K.clear(node);
      K.showError(node.appendChild(K.el('p', { class: 'error' })), err);
    }
  }

  function showDetail(f) {
    K.complaintDetail.render($('#detail'), f, detailCtx);
    if (selectedMark) selectedMark.remove();
    selectedMark = null;
    if (f.geometry) {
      const [lon, lat] = f.geometry.coordinates;
      selectedMark = L.circleMarker([lat, lon], { radius: 0.8 * K.map.rem(),
        className: 'kd-selected', interactive: false }).addTo(map);
    }
  }

  function replaceInList(f) {
    const i = state.list.findIndex((x) => x.properties.id === f.properties.id);
    if (i < 0) return;
    const props = Object.assign({}, state.list[i].properties);
    for (const key of Object.keys(f.properties)) {
      if (key in props || key === 'assigned_unit') props[key] = f.properties[key];
    }
    state.list[i] = Object.assign({}, state.list[i], { properties: props });
    const li = document.querySelector('#complaints li[data-id="' + f.properties.id + '"]');
    if (li) li.replaceWith(listItem(state.list[i]));
  }

  // -- tabs ----------------------------------------------------------------------------------
  function showTab(name) {
    for (const btn of document.querySelectorAll('[data-tab]')) {
      const on = btn.dataset.tab === name;
      btn.setAttribute('aria-selected', String(on));
      $('#tab-' + btn.dataset.tab).hidden = !on;
    }
    if (name === 'unplaced') unplaced.load();
    if (name === 'incidents') incidents.load();
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
  K.office = { map, quake, incidents, select }; // for the browser tests and the console

  const incidentsSoon = () => {
    if (!$('#tab-incidents').hidden) incidents.loadSoon();
  };
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
    const found = li && state.list.find((f) => f.properties.id === p.id);
    if (found) {
      found.properties.status = p.status;
      found.properties.overdue = p.overdue;
      li.replaceWith(listItem(found));
    }
    if (state.selected === p.id && $('#detail').dataset.id === String(p.id)) {
      // reload the detail unless someone is filling its form in (their choice is kept)
      const form = $('#detail form.status-form');
      const dirty = form && (form.status.value || form.note.value.trim() || form.unit_q.value);
      if (!dirty) select(p.id);
    }
    complaints.refreshSoon();
  });
  live.on(K.ev.COMPLAINT_OVERDUE, () => complaints.refreshSoon());
  live.on(K.family(K.ev.QUAKE_CREATED), (msg) => quake.onEvent(msg));
  live.on(K.family(K.ev.INCIDENT_CREATED), incidentsSoon);
  live.on(K.family(K.ev.DISPATCH_PREFIX), incidentsSoon);
  live.on(K.ev.AREA_UNSTAFFED, incidentsSoon);
  live.on(K.ev.AREA_CLOSED, incidentsSoon);
  if (K.ev.REPORT_CREATED) live.on(K.ev.REPORT_CREATED, incidentsSoon); // field reports (main)
  live.on(K.ev.RESPONDER_MOVED, () => responders.refreshSoon());
  const warnings = K.warnings.attach({ map, live, areas,
    mount: (section) => $('#tab-incidents').prepend(section) });
  live.on('reset', () => {
    warnings.load().catch(() => {});
    loadList();
    complaints.refresh();
    responders.refresh();
    quake.load().catch(() => {});
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
      quake.load().catch(() => {}), K.fillTicker(ticker, seq, nameOf),
      warnings.load().catch(() => {})]);
    live.start(seq);
    app.dataset.ready = '1';
  }

  main();
}());
