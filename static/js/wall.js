/* /wall: the command room's video wall. Unattended, 24/7: reconnects by itself, replaces
 * layers instead of accumulating them, caps every list, and reconciles its counters with
 * the server every few minutes. */
(function () {
  'use strict';
  const K = window.Kendali;
  const $ = K.$;

  const OPEN = ['baru', 'diverifikasi', 'diteruskan', 'ditindaklanjuti'];
  const STATUSES = OPEN.concat(['selesai', 'ditolak', 'bukan_wewenang']);
  const CHANNELS = ['jaga_bansos', 'sp4n_lapor', 'ditjen', 'whistleblower'];
  const SHADES = {
    open: ['#2b2d52', '#4b3b8f', '#7b3fa8', '#b23a93', '#ec4a6d'],
    overdue: ['#3b2a1e', '#7a3e12', '#b35a0c', '#e07b0a', '#ffb020'],
  };
  const RECONCILE_MS = 5 * 60e3;
  const OFFLINE_OVERLAY_MS = 15e3;
  const TICKER_MAX = 30;

  const app = document.getElementById('app');
  const focusSeconds = Number(K.config.focusSeconds || 120);
  const zone = () => 'WIB'; // the command room works in Jakarta time; quakes show their own

  const state = {
    summary: null,
    regencies: new Map(), // code -> {open, overdue}
    shade: K.store.get('kendali.wall.shade', 'open') === 'overdue' ? 'overdue' : 'open',
    sound: K.store.get('kendali.wall.sound', true) !== false,
    breaks: [1, 2, 3, 4],
    quake: null,
    incidents: new Map(), // id -> {incident, areas}
    feeds: {},
    focusTimer: null,
  };

  const map = K.map.create($('#map'), {
    zoomSnap: 0.1, tileUrl: K.config.tileUrl, zoomControl: false, // nobody clicks a wall
  });
  const areas = new K.map.AreaLayer(map, {
    level: 'regency', zoom: 5, style: regencyStyle, onLoad: () => renderLegend(),
  });
  const responders = new K.map.AggregateLayer(map, {
    url: '/api/v1/map/responders', render: K.map.responderRenderer(true),
    minZoom: 6.5, // the national view stays readable; a focused quake shows who is near
  });
  const incidentLayer = window.L.featureGroup().addTo(map);
  const overlay = new K.map.QuakeOverlay(map, areas);
  const ticker = new K.Ticker($('#ticker'), TICKER_MAX, zone);
  const live = new K.Live({ page: 'wall' });
  live.bindIndicator($('#conn'));
  K.live = live; // for the browser tests and the console
  const warnings = K.warnings.attach({ map, live, areas,
    mount: (section) => $('.side').insertBefore(section, $('.counters-card')) });

  // -- complaints: counters and the regency shading ----------------------------------------
  function openOf(entry) {
    return OPEN.reduce((n, s) => n + ((entry.by_status || {})[s] || 0), 0);
  }

  /** Counters from the summary; the regency shading from the map aggregation at a national
   * zoom (one small feature per regency with its open and overdue counts). */
  async function loadSummary() {
    const [nat, reg] = await Promise.all([
      K.api('/api/v1/complaints/summary?level=province'),
      K.api('/api/v1/map/complaints?zoom=5&status=all'),
    ]);
    state.summary = nat.total;
    state.regencies.clear();
    for (const f of reg.features) {
      const p = f.properties;
      state.regencies.set(p.code || p.key, { open: p.open, overdue: p.overdue });
    }
    computeBreaks();
    areas.restyle();
    renderCounters();
    renderLegend();
  }

  function computeBreaks() {
    let max = 1;
    for (const v of state.regencies.values()) max = Math.max(max, v[state.shade]);
    const steps = [1, Math.pow(max, 0.25), Math.pow(max, 0.5), Math.pow(max, 0.75)];
    state.breaks = steps.map((v, i) => Math.max(i + 1, Math.ceil(v)));
  }

  function regencyStyle(feature) {
    const v = state.regencies.get(feature.properties.code);
    const n = v ? v[state.shade] : 0;
    let cls = -1;
    for (let i = 0; i < state.breaks.length; i++) if (n >= state.breaks[i]) cls = i;
    const colors = SHADES[state.shade];
    return {
      className: 'kd-area kd-regency',
      color: '#5b6b7b', weight: 0.6, opacity: 0.8,
      fillColor: cls < 0 ? '#16222e' : colors[cls + 1] || colors[colors.length - 1],
      fillOpacity: cls < 0 ? 0.6 : 0.85,
    };
  }

  function renderLegend() {
    const node = $('#legend');
    K.clear(node);
    node.append(K.el('strong', { text: K.t(state.shade === 'open' ? 'ui_shade_open'
      : 'ui_shade_overdue') }));
    const list = K.el('ul');
    list.append(K.el('li', {}, K.el('i', { class: 'sw sw-none' }), '0'));
    state.breaks.forEach((b, i) => {
      const next = state.breaks[i + 1];
      const label = next && next - 1 > b ? b + '–' + (next - 1) : next ? String(b) : '≥ ' + b;
      list.append(K.el('li', {}, K.el('i', { class: 'sw sw-' + state.shade + '-' + (i + 1) }),
        label));
    });
    node.append(list);
  }

  function counterRow(label, key, value, cls) {
    return K.el('tr', { class: cls || '' }, K.el('th', { scope: 'row', text: label }),
      K.el('td', { dataset: { k: key }, text: K.formatNumber(value || 0) }));
  }

  function renderCounters() {
    const s = state.summary;
    const node = $('#counters');
    if (!s) return;
    K.clear(node);
    const head = K.el('div', { class: 'big-numbers' },
      K.el('div', { class: 'big' }, K.el('span', { class: 'n', dataset: { k: 'total' },
        text: K.formatNumber(s.total) }), K.el('span', { text: K.t('ui_total') })),
      K.el('div', { class: 'big open' }, K.el('span', { class: 'n', dataset: { k: 'open' },
        text: K.formatNumber(openOf(s)) }), K.el('span', { text: K.t('ui_open') })),
      K.el('div', { class: 'big overdue' + (s.overdue ? ' alert' : '') },
        K.el('span', { class: 'n', dataset: { k: 'overdue' }, text: K.formatNumber(s.overdue) }),
        K.el('span', { text: K.t('ui_overdue') })));
    const byChannel = K.el('table', { class: 'counts' }, K.el('caption', { text: K.t('ui_by_channel') }),
      K.el('tbody', {}, CHANNELS.map((c) => counterRow(K.tOr('channel_' + c, c), 'ch-' + c,
        s.by_channel[c]))));
    const byStatus = K.el('table', { class: 'counts' }, K.el('caption', { text: K.t('ui_by_status') }),
      K.el('tbody', {}, STATUSES.map((st) => counterRow(K.tOr('status_' + st, st), 'st-' + st,
        s.by_status[st], OPEN.includes(st) ? 'open' : 'closed'))));
    node.append(head, K.el('div', { class: 'count-tables' }, byChannel, byStatus));
  }

  const reloadSummarySoon = K.debounce(() => loadSummary().catch(() => {}), 3000);

  function complaintCreated(msg) {
    const p = msg.payload || {};
    const s = state.summary;
    if (s) {
      s.total += 1;
      s.by_channel[p.channel] = (s.by_channel[p.channel] || 0) + 1;
      s.by_status[p.status] = (s.by_status[p.status] || 0) + 1;
      if (p.overdue) s.overdue += 1;
      renderCounters();
    }
    const code = p.area && p.area.regency;
    if (code) {
      const v = state.regencies.get(code) || { open: 0, overdue: 0 };
      if (OPEN.includes(p.status)) v.open += 1;
      state.regencies.set(code, v);
      const lyr = areas.byCode.get(code);
      if (lyr) lyr.setStyle(regencyStyle(lyr.feature));
    }
  }

  // -- quakes ----------------------------------------------------------------------------
  function significant(p) {
    return (p.magnitude || 0) >= 5 || (p.max_mmi || 0) >= 5;
  }

  let quakeRequest = 0;
  async function showQuake(id, opts) {
    const mine = ++quakeRequest;
    const quake = await K.api('/api/v1/quakes/' + id);
    if (mine !== quakeRequest) return; // a newer quake (or revision) came meanwhile
    state.quake = quake;
    overlay.draw(quake);
    app.dataset.quakeId = String(quake.id);
    renderQuake();
    if (opts && opts.focus) focus();
  }

  async function loadLatestQuake() {
    const list = await K.api('/api/v1/quakes?limit=1');
    const first = list.features && list.features[0];
    if (first) await showQuake(first.id);
  }

  function focus() {
    const bounds = overlay.bounds();
    if (!bounds) return;
    map.flyToBounds(bounds, { padding: [40, 40], duration: 1.5, maxZoom: 9 });
    app.classList.add('focused');
    app.dataset.focus = String(state.quake.id);
    beep();
    clearTimeout(state.focusTimer);
    state.focusTimer = setTimeout(national, focusSeconds * 1000);
  }

  function national() {
    clearTimeout(state.focusTimer);
    state.focusTimer = null;
    app.classList.remove('focused');
    delete app.dataset.focus;
    map.flyToBounds(K.map.INDONESIA, { duration: 1.5 });
  }

  /** The active quake is the latest one; but while a significant quake holds the focus, a
   * smaller one (an aftershock, or the rest of a feed's list) does not take its place. */
  function quakeEvent(msg) {
    const p = msg.payload || {};
    // The past a feed re-lists (a backfill) is stored and listed, never focused or sounded.
    if (p.fresh === false) return;
    const current = state.quake && state.quake.properties;
    const same = current && current.id === p.id;
    if (current && !same && state.focusTimer !== null &&
      (!significant(p) || (p.magnitude || 0) < (current.magnitude || 0))) return;
    const wasSignificant = same && significant(current);
    showQuake(p.id, { focus: significant(p) && !wasSignificant }).catch(() => {});
  }

  function quakeTime(p) {
    const local = K.zoneOfLon(p.lon);
    const text = K.formatTime(p.origin_time, local);
    return local === 'WIB' ? text : text + ' (' + K.formatTime(p.origin_time, 'WIB',
      { clock: true }) + ')';
  }

  function renderQuake() {
    const node = $('#quake-body');
    K.clear(node);
    if (!state.quake) {
      node.append(K.el('p', { class: 'muted', text: K.t('ui_no_quake') }));
      return;
    }
    const p = state.quake.properties;
    const card = $('#quake-card');
    card.classList.toggle('significant', significant(p));
    card.classList.toggle('tsunami', !!p.tsunami);
    node.append(
      K.el('div', { class: 'quake-head' },
        K.el('span', { class: 'mag', text: 'M ' + (p.magnitude || 0).toFixed(1) }),
        K.el('span', { class: 'mmi', text: K.t('ui_max_mmi', { mmi: K.roman(p.max_mmi) }) })),
      K.el('p', { class: 'place', text: p.region_text || '' }),
      K.el('dl', { class: 'facts' },
        K.el('dt', { text: K.t('ui_time') }), K.el('dd', { text: quakeTime(p) }),
        K.el('dt', { text: K.t('ui_depth') }),
        K.el('dd', { text: K.formatNumber(p.depth_km) + ' km' }),
        K.el('dt', { text: K.t('ui_tsunami') }),
        K.el('dd', { class: p.tsunami ? 'tsunami-yes' : 'tsunami-no',
          text: p.tsunami ? K.t('ui_tsunami_potential') : K.t('ui_tsunami_none') })),
    );
    const exposure = Object.entries(p.exposure || {})
      .map(([m, pop]) => [Number(m), pop]).filter(([m, pop]) => m >= 3 && pop > 0)
      .sort((a, b) => b[0] - a[0]).slice(0, 6);
    if (exposure.length) {
      node.append(K.el('table', { class: 'exposure' },
        K.el('caption', { text: K.t('ui_exposed') }),
        K.el('tbody', {}, exposure.map(([m, pop]) => K.el('tr', {},
          K.el('th', { scope: 'row' }, K.el('i', { class: 'mmi-chip mmi-' + Math.floor(m) }),
            'MMI ' + K.roman(m)),
          K.el('td', { text: K.formatNumber(pop) }))))));
    }
    const affected = (p.areas || []).filter((a) => a.level === 'regency');
    const tsunamiAreas = affected.filter((a) => a.tsunami_level).length;
    const staffing = staffingOf(p.id);
    node.append(K.el('p', { class: 'affected', text: K.t('ui_affected_regencies',
      { n: affected.length }) + (tsunamiAreas ? ' · ' + K.t('ui_tsunami_coasts',
      { n: tsunamiAreas }) : '') }));
    if (staffing) {
      node.append(K.el('p', { class: 'staffing' },
        K.el('span', { class: 'staffed', text: K.t('ui_staffed', { n: staffing.staffed }) }),
        ' · ',
        K.el('span', { class: staffing.unstaffed ? 'unstaffed alert' : 'unstaffed',
          text: K.t('ui_unstaffed', { n: staffing.unstaffed }) })));
    }
  }

  function staffingOf(quakeId) {
    for (const { incident, areas: list } of state.incidents.values()) {
      if (incident.quake_id !== quakeId) continue;
      const staffed = list.filter(areaStaffed).length;
      return { staffed, unstaffed: list.length - staffed };
    }
    return null;
  }

  // -- incidents and dispatch ---------------------------------------------------------------
  const ACKED = ['acknowledged', 'en_route', 'on_site', 'done'];

  function areaStaffed(area) {
    const acked = area.dispatches.filter((d) => ACKED.includes(d.state)).length;
    return acked >= (area.needed || 1);
  }

  async function loadIncident(id) {
    const body = await K.api('/api/v1/incidents/' + id + '/dispatch');
    state.incidents.set(id, { incident: body.incident, areas: body.areas });
  }

  async function loadIncidents() {
    const body = await K.api('/api/v1/incidents');
    const open = body.incidents.filter((i) => i.status !== 'closed')
      .sort((a, b) => b.id - a.id).slice(0, 4);
    const fresh = new Map();
    await Promise.all(open.map(async (i) => {
      try {
        const d = await K.api('/api/v1/incidents/' + i.id + '/dispatch');
        fresh.set(i.id, { incident: d.incident, areas: d.areas });
      } catch (err) { /* gone or out of scope meanwhile */ }
    }));
    state.incidents = fresh;
    renderIncidents();
  }

  const loadIncidentsSoon = K.debounce(() => loadIncidents().catch(() => {}), 1000);

  function dispatchEvent(msg) {
    const d = msg.payload || {};
    const entry = state.incidents.get(d.incident_id);
    if (!entry) {
      loadIncidentsSoon();
      return;
    }
    const area = entry.areas.find((a) => a.code === d.area);
    if (!area) {
      loadIncident(d.incident_id).then(renderIncidents).catch(() => {});
      return;
    }
    const known = area.dispatches.find((x) => x.id === d.id);
    if (known) Object.assign(known, d, { responder: d.responder || known.responder });
    else area.dispatches.push(d);
    area.acknowledged = area.dispatches.filter((x) => ACKED.includes(x.state)).length;
    renderIncidentsSoon();
  }

  function unstaffedEvent(msg) {
    const p = msg.payload || {};
    const entry = state.incidents.get(p.incident_id);
    const area = entry && entry.areas.find((a) => a.code === p.area);
    if (area) area.unstaffed_at = msg.time;
    renderIncidentsSoon();
  }

  function renderIncidents() {
    const node = $('#incidents');
    K.clear(node);
    const outlines = new Map(); // regency -> staffed | pending | unstaffed
    if (!state.incidents.size) {
      node.append(K.el('li', { class: 'muted', text: K.t('ui_no_incidents') }));
    }
    for (const { incident, areas: list } of state.incidents.values()) {
      const staffed = list.filter(areaStaffed).length;
      const li = K.el('li', { class: 'incident', dataset: { incidentId: incident.id } },
        K.el('div', { class: 'incident-head' },
          K.el('span', { class: 'sev sev-' + incident.severity,
            text: K.tOr('severity_' + incident.severity, incident.severity) }),
          K.el('span', { class: 'title', text: incident.title }),
          K.el('span', { class: 'score', text: staffed + '/' + list.length })));
      const rows = K.el('ul', { class: 'areas' });
      for (const area of list.slice(0, 5)) {
        const ok = areaStaffed(area);
        rows.append(K.el('li', {
          class: 'area ' + (ok ? 'staffed' : area.unstaffed_at ? 'unstaffed' : 'pending'),
          dataset: { area: area.code },
        }, K.el('span', { class: 'name', text: area.name || area.code }),
        K.el('span', { class: 'chips' }, area.dispatches.filter((d) => d.state !== 'cancelled')
          .slice(-4).map((d) => K.el('span', {
            class: 'chip state-' + d.state, dataset: { dispatchId: d.id, state: d.state },
            title: K.tOr('state_' + d.state, d.state),
            text: ((d.responder && d.responder.name) || '#' + d.responder_id) + ' · ' +
              K.tOr('state_' + d.state, d.state),
          })))));
        const regency = area.code.split('.').slice(0, 2).join('.');
        const now = ok ? 'staffed' : area.unstaffed_at ? 'unstaffed' : 'pending';
        const before = outlines.get(regency);
        // an area with one unstaffed part is unstaffed; staffed only when all parts are
        outlines.set(regency, before === 'unstaffed' || now === 'unstaffed' ? 'unstaffed'
          : before === 'pending' || now === 'pending' ? 'pending' : 'staffed');
      }
      if (list.length > 5) {
        rows.append(K.el('li', { class: 'more', text: K.t('ui_more', { n: list.length - 5 }) }));
      }
      li.append(rows);
      node.append(li);
    }
    drawOutlines(outlines);
    renderQuake();
  }

  const renderIncidentsSoon = K.debounce(renderIncidents, 60); // coalesces a burst

  const OUTLINE = {
    staffed: { color: '#3ddc84', dashArray: null },
    pending: { color: '#ffb020', dashArray: '4 6' },
    unstaffed: { color: '#ff4d4f', dashArray: '10 6' },
  };

  /** Outline each area of an incident on the map by its staffing: green when enough people
   * acknowledged, amber while waiting for answers, dashed red when nobody more is left. */
  function drawOutlines(outlines) {
    incidentLayer.clearLayers();
    for (const [regency, staffing] of outlines) {
      const lyr = areas.byCode.get(regency);
      if (!lyr) continue;
      incidentLayer.addLayer(window.L.geoJSON(lyr.feature, {
        interactive: false,
        style: () => Object.assign({
          className: 'kd-incident-area kd-' + staffing, weight: 3, fill: false,
        }, OUTLINE[staffing]),
      }));
    }
  }

  // -- feeds -----------------------------------------------------------------------------
  function setFeeds(feeds) {
    state.feeds = feeds || {};
    renderFeeds();
  }

  function renderFeeds() {
    const list = $('#feeds');
    K.clear(list);
    const stale = [];
    for (const [name, f] of Object.entries(state.feeds)) {
      if (f.stale) stale.push(name);
      list.append(K.el('li', { class: f.stale ? 'stale' : 'ok', dataset: { feed: name } },
        K.el('span', { class: 'name', text: name }),
        K.el('span', { class: 'when', text: f.stale ? K.t('ui_feed_stale')
          : K.formatTime(f.last_success, zone(), { clock: true }).slice(0, 5) })));
    }
    const banner = $('#feed-banner');
    banner.hidden = !stale.length;
    app.classList.toggle('feed-stale', stale.length > 0);
    K.clear(banner);
    if (stale.length) {
      const since = stale.map((n) => state.feeds[n].since || state.feeds[n].last_success)
        .filter(Boolean).sort()[0];
      banner.append(K.el('strong', { text: K.t('ui_feed_banner', { feeds: stale.join(', ') }) }),
        K.el('span', { text: since ? K.t('ui_feed_banner_since', {
          time: K.formatTime(since, zone()) }) : '' }));
    }
  }

  function feedEvent(msg) {
    const p = msg.payload || {};
    const f = Object.assign({}, state.feeds[p.feed] || {});
    f.stale = msg.type === K.ev.FEED_STALE;
    if (f.stale) f.since = p.since || msg.time;
    else f.last_success = msg.time;
    state.feeds[p.feed] = f;
    renderFeeds();
  }

  async function pollHealth() {
    try {
      const health = await K.api('/healthz');
      setFeeds(health.feeds);
    } catch (err) { /* the connection indicator already says it */ }
  }

  // -- sound -----------------------------------------------------------------------------
  let audio = null;

  function beep() {
    if (!state.sound) return;
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === 'suspended') audio.resume();
      const t0 = audio.currentTime + 0.05;
      for (let i = 0; i < 3; i++) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.type = 'square';
        osc.frequency.value = i === 2 ? 1175 : 880;
        gain.gain.setValueAtTime(0.0001, t0 + i * 0.45);
        gain.gain.exponentialRampToValueAtTime(0.25, t0 + i * 0.45 + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.45 + 0.35);
        osc.connect(gain).connect(audio.destination);
        osc.start(t0 + i * 0.45);
        osc.stop(t0 + i * 0.45 + 0.4);
      }
      app.dataset.beeped = String(Date.now());
    } catch (err) { /* no audio device: the focus is the alert */ }
  }

  function renderToggles() {
    const sound = $('#sound-toggle');
    sound.setAttribute('aria-pressed', String(state.sound));
    sound.textContent = K.t(state.sound ? 'ui_sound_on' : 'ui_sound_off');
    const shade = $('#shade-toggle');
    shade.textContent = K.t(state.shade === 'open' ? 'ui_shade_show_overdue'
      : 'ui_shade_show_open');
  }

  $('#sound-toggle').addEventListener('click', () => {
    state.sound = !state.sound;
    K.store.set('kendali.wall.sound', state.sound);
    renderToggles();
    if (state.sound) beep(); // a click also unlocks audio in the browser
  });
  $('#shade-toggle').addEventListener('click', () => {
    state.shade = state.shade === 'open' ? 'overdue' : 'open';
    K.store.set('kendali.wall.shade', state.shade);
    computeBreaks();
    areas.restyle();
    renderLegend();
    renderToggles();
  });

  // -- the ticker and playback --------------------------------------------------------------
  const nameOf = (code) => areas.nameOf(code);

  const marks = new K.map.PlaybackMarks(map);
  function playbackEvent(msg) {
    ticker.add(msg, K.describe(msg, nameOf), 'pb');
    marks.add(msg);
  }

  K.bindPlayback($('#playback'), {
    zone,
    onEvent: playbackEvent,
    onState: (playing) => {
      app.classList.toggle('playback-on', playing);
      if (playing) {
        ticker.clear();
      } else {
        marks.clear();
        K.fillTicker(ticker, live.lastSeq, nameOf);
      }
    },
  });

  // -- live wiring ---------------------------------------------------------------------------
  live.on('*', (msg) => {
    const text = K.describe(msg, nameOf);
    if (text) ticker.add(msg, text);
  });
  live.on(K.ev.COMPLAINT_CREATED, complaintCreated);
  live.on(K.ev.COMPLAINT_UPDATED, reloadSummarySoon);
  live.on(K.ev.COMPLAINT_OVERDUE, reloadSummarySoon);
  live.on(K.family(K.ev.QUAKE_CREATED), quakeEvent);
  live.on(K.family(K.ev.INCIDENT_CREATED), loadIncidentsSoon);
  live.on(K.family(K.ev.DISPATCH_PREFIX), dispatchEvent);
  live.on(K.ev.AREA_UNSTAFFED, unstaffedEvent);
  live.on(K.ev.AREA_CLOSED, loadIncidentsSoon);
  live.on(K.family(K.ev.FEED_STALE), feedEvent);
  live.on(K.ev.RESPONDER_MOVED, () => responders.refreshSoon());
  live.on('reset', () => reloadAll());
  live.on('state', ({ state: s }) => {
    app.dataset.live = s;
    if (s === 'unauthorized') $('#offline-overlay').hidden = false;
  });
  live.on('unauthorized', () => {
    $('#offline-text').textContent = K.t('ui_wall_signed_out');
  });

  async function reloadAll() {
    const { seq, health } = await K.snapshotSeq();
    if (health) setFeeds(health.feeds);
    await Promise.all([
      areas.refresh().then(() => loadSummary()),
      loadLatestQuake(),
      loadIncidents(),
      warnings.load(),
    ].map((p) => p.catch(() => {})));
    responders.refresh();
    await K.fillTicker(ticker, seq, nameOf);
    return seq;
  }

  // A kiosk browser often goes full screen after loading: fit the view again.
  window.addEventListener('resize', K.debounce(() => {
    map.invalidateSize();
    const bounds = app.classList.contains('focused') && overlay.bounds();
    if (bounds) map.fitBounds(bounds, { padding: [40, 40], maxZoom: 9 });
    else map.fitBounds(K.map.INDONESIA);
  }, 300));

  function tick() {
    $('#clock').textContent = K.formatTime(new Date(), zone());
    const offline = live.offlineSince && Date.now() - live.offlineSince > OFFLINE_OVERLAY_MS;
    if (live.state !== 'unauthorized') $('#offline-overlay').hidden = !offline;
  }

  async function main() {
    renderToggles();
    setInterval(tick, 1000);
    tick();
    const seq = await reloadAll();
    live.start(seq);
    app.dataset.ready = '1';
    setInterval(pollHealth, 60e3);
    setInterval(() => {
      loadSummary().catch(() => {});
      loadIncidents().catch(() => {});
      warnings.load().catch(() => {});
      responders.refresh();
    }, RECONCILE_MS);
  }

  main();
}());
