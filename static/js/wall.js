/* /wall: the command room's video wall. Unattended, 24/7: reconnects by itself, replaces
 * layers instead of accumulating them, caps every list, and reconciles its counters with
 * the server every few minutes. The quake card and focus live in wall_quake.js, incidents
 * and the dispatch lane in wall_incidents.js, the event lanes in wall_lanes.js. */
(function () {
  'use strict';
  const K = window.Kendali;
  const $ = K.$;

  const OPEN = ['baru', 'diverifikasi', 'diteruskan', 'ditindaklanjuti'];
  const SHADES = {
    open: ['#2b2d52', '#4b3b8f', '#7b3fa8', '#b23a93', '#ec4a6d'],
    overdue: ['#3b2a1e', '#7a3e12', '#b35a0c', '#e07b0a', '#ffb020'],
  };
  const LEGEND_MMI = [3, 4, 5, 6, 7, 8, 9];
  const RECONCILE_MS = 5 * 60e3;
  const OFFLINE_OVERLAY_MS = 15e3;

  const app = document.getElementById('app');
  const zone = () => 'WIB'; // the command room works in Jakarta time; quakes show their own

  const state = {
    summary: null,
    regencies: new Map(), // code -> {open, overdue}
    shade: K.store.get('kendali.wall.shade', 'open') === 'overdue' ? 'overdue' : 'open',
    sound: K.store.get('kendali.wall.sound', true) !== false,
    breaks: [1, 2, 3, 4],
    feeds: {},
  };

  const map = K.map.create($('#map'), {
    zoomSnap: 0.1, tileUrl: K.config.tileUrl, zoomControl: false, // nobody clicks a wall
  });
  const areas = new K.map.AreaLayer(map, {
    level: 'regency', zoom: 5, style: regencyStyle, onLoad: () => {
      renderLegend();
      card.redraw();
      board.renderSoon();
    },
  });
  const responders = new K.map.AggregateLayer(map, {
    url: '/api/v1/map/responders', render: K.map.responderRenderer(true),
    minZoom: 6.5, // the national view stays readable; a focused quake shows who is near
  });
  const overlay = new K.map.QuakeOverlay(map, areas);
  const lanes = new K.Lanes($('#pinned'), $('#ticker'), zone);
  const live = new K.Live({ page: 'wall' });
  live.bindIndicator($('#conn'));
  K.live = live; // for the browser tests and the console
  const warnings = K.warnings.attach({ map, live, areas, fit: true,
    mount: (section) => $('.side').insertBefore(section, $('.counters-card')) });

  const board = new K.IncidentBoard({
    map, areas, list: $('#incidents'), lane: $('#dispatch-lane'),
    onChange: () => card.render(),
  });
  const card = new K.QuakeCard({
    app, map, overlay, body: $('#quake-body'), card: $('#quake-card'),
    quietMs: Number(K.config.quietSeconds || 21600) * 1000,
    focusMs: Number(K.config.focusSeconds || 120) * 1000,
    soundOn: () => state.sound,
    staffingOf: (id) => board.staffingOf(id),
    pad,
  });

  /** Views are fitted above the legend (it spans the bottom of the map). */
  function pad() {
    const px = K.map.rem() * 0.6;
    const legend = $('#legend').offsetHeight || 0;
    return { paddingTopLeft: [px, px], paddingBottomRight: [px, px + legend] };
  }

  function nationalView() {
    if (!card.focused) map.fitBounds(K.map.INDONESIA, pad());
  }
  K.wall = { card, board }; // for the browser tests and the console

  // -- complaints: counters and the regency shading ----------------------------------------
  function openOf(entry) {
    return OPEN.reduce((n, s) => n + ((entry.by_status || {})[s] || 0), 0);
  }

  /** Counters from the summary; the regency shading from the map aggregation (one small
   * feature per regency with its open and overdue counts). */
  async function loadSummary() {
    const [nat, reg] = await Promise.all([
      K.api('/api/v1/complaints/summary?level=province'),
      K.api('/api/v1/map/complaints?zoom=5&level=regency&status=all'),
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

  /** The legend: what every colour and line on the map means. */
  function renderLegend() {
    const node = $('#legend');
    K.clear(node);
    node.append(K.el('div', { class: 'legend-row' }, K.el('span', { class: 'lg-title',
      text: K.t('ui_legend_mmi') }), LEGEND_MMI.map((m) => K.el('span', {
      class: 'lg-mmi mmi-' + m, text: K.roman(m) + (m === 9 ? '+' : '') })),
    K.el('i', { class: 'lg-line lg-tsunami' }), K.t('ui_legend_tsunami'),
    K.el('i', { class: 'lg-dot lg-epicentre' }), K.t('ui_legend_epicentre')));
    node.append(K.el('div', { class: 'legend-row' }, K.el('span', { class: 'lg-title',
      text: K.t('ui_legend_staffing') }),
    ['staffed', 'pending', 'unstaffed'].flatMap((s) => [K.el('i', { class: 'lg-line lg-' + s }),
      K.t('ui_legend_' + s)]),
    K.el('i', { class: 'lg-dot lg-responder' }), K.t('ui_legend_responders')));
    const shades = K.el('div', { class: 'legend-row' }, K.el('span', { class: 'lg-title',
      text: K.t(state.shade === 'open' ? 'ui_shade_open' : 'ui_shade_overdue') }),
    K.el('i', { class: 'sw sw-none' }), '0');
    state.breaks.forEach((b, i) => {
      const next = state.breaks[i + 1];
      const text = next && next - 1 > b ? b + '–' + (next - 1) : next ? String(b) : '≥' + b;
      shades.append(K.el('i', { class: 'sw sw-' + state.shade + '-' + (i + 1) }), text);
    });
    node.append(shades);
    nationalView();
  }

  function renderCounters() {
    const s = state.summary;
    if (!s) return;
    const big = (cls, key, value, label) => K.el('div', { class: 'big ' + cls },
      K.el('span', { class: 'n', dataset: { k: key }, text: K.formatNumber(value || 0) }),
      K.el('span', { class: 'l', text: label }));
    K.clear($('#counters')).append(
      K.el('div', { class: 'big-numbers' },
        big('open', 'open', openOf(s), K.t('ui_open')),
        big('overdue' + (s.overdue ? ' alert' : ''), 'overdue', s.overdue, K.t('ui_overdue')),
        big('total', 'total', s.total, K.t('ui_total'))));
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

  // -- feeds -----------------------------------------------------------------------------
  function setFeeds(feeds) {
    state.feeds = feeds || {};
    renderFeeds();
  }

  function renderFeeds() {
    const list = K.clear($('#feeds'));
    const stale = [];
    for (const [name, f] of Object.entries(state.feeds)) {
      if (f.stale) stale.push(name);
      list.append(K.el('li', { class: f.stale ? 'stale' : 'ok', dataset: { feed: name },
        title: name }, K.el('span', { class: 'name', text: name.replace('gempa', '') })));
    }
    const banner = K.clear($('#feed-banner'));
    banner.hidden = !stale.length;
    app.classList.toggle('feed-stale', stale.length > 0);
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
      setFeeds((await K.api('/healthz')).feeds);
    } catch (err) { /* the connection indicator already says it */ }
  }

  // -- controls (not in kiosk mode: nobody touches a wall) -----------------------------------
  function renderToggles() {
    const sound = $('#sound-toggle');
    if (!sound) return;
    sound.setAttribute('aria-pressed', String(state.sound));
    sound.textContent = K.t(state.sound ? 'ui_sound_on' : 'ui_sound_off');
    $('#shade-toggle').textContent = K.t(state.shade === 'open' ? 'ui_shade_show_overdue'
      : 'ui_shade_show_open');
  }

  if ($('#sound-toggle')) {
    $('#sound-toggle').addEventListener('click', () => {
      state.sound = !state.sound;
      K.store.set('kendali.wall.sound', state.sound);
      renderToggles();
      if (state.sound) K.alert.play(); // a click also unlocks audio in the browser
    });
    $('#shade-toggle').addEventListener('click', () => {
      state.shade = state.shade === 'open' ? 'overdue' : 'open';
      K.store.set('kendali.wall.shade', state.shade);
      computeBreaks();
      areas.restyle();
      renderLegend();
      renderToggles();
    });
  }

  // -- the lanes and playback ----------------------------------------------------------------
  const nameOf = (code) => areas.nameOf(code);
  const marks = new K.map.PlaybackMarks(map);

  K.bindPlayback($('#playback'), {
    zone,
    onEvent: (msg) => {
      lanes.add(msg, K.describe(msg, nameOf), 'pb');
      marks.add(msg);
    },
    onState: (playing) => {
      app.classList.toggle('playback-on', playing);
      if (playing) {
        lanes.clear();
      } else {
        marks.clear();
        K.fillTicker(lanes, live.lastSeq, nameOf);
      }
    },
  });

  // -- live wiring ---------------------------------------------------------------------------
  live.on('*', (msg) => lanes.add(msg, K.describe(msg, nameOf)));
  live.on(K.ev.COMPLAINT_CREATED, complaintCreated);
  live.on(K.ev.COMPLAINT_UPDATED, reloadSummarySoon);
  live.on(K.ev.COMPLAINT_OVERDUE, reloadSummarySoon);
  live.on(K.family(K.ev.QUAKE_CREATED), (msg) => card.onEvent(msg));
  live.on(K.family(K.ev.INCIDENT_CREATED), () => board.loadSoon());
  live.on(K.family(K.ev.DISPATCH_PREFIX), (msg) => board.onDispatch(msg));
  live.on(K.ev.AREA_UNSTAFFED, (msg) => board.onUnstaffed(msg));
  live.on(K.ev.AREA_CLOSED, () => board.loadSoon());
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
      card.load(),
      board.load(),
      warnings.load(),
    ].map((p) => p.catch(() => {})));
    responders.refresh();
    await K.fillTicker(lanes, seq, nameOf);
    return seq;
  }

  // A kiosk browser often goes full screen after loading: fit the view again.
  window.addEventListener('resize', K.debounce(() => {
    map.invalidateSize();
    const bounds = card.focused && overlay.bounds();
    if (bounds) map.fitBounds(bounds, Object.assign({ maxZoom: 9 }, pad()));
    else nationalView();
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
      board.load().catch(() => {});
      warnings.load().catch(() => {});
      responders.refresh();
    }, RECONCILE_MS);
  }

  main();
}());
