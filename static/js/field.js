/* /field: the tablet (1280×800, touch). My assignments with distance and direction, the
 * acknowledge / decline / status buttons, sharing my position. Works offline: the service
 * worker keeps the page and its assets, the last assignments are kept here, and actions
 * taken offline wait in an ordered queue (localStorage) that is sent when the connection
 * returns; the page shows what is still pending. */
(function () {
  'use strict';
  const K = window.Kendali;
  const $ = K.$;

  const user = K.config.user || 'field';
  const QUEUE_KEY = 'kendali.field.' + user + '.queue';
  const DATA_KEY = 'kendali.field.' + user + '.assignments';
  const SHARE_KEY = 'kendali.field.' + user + '.share';
  const POSITION_EVERY_MS = 20e3;
  const RETRY_MS = 15e3;
  const NEXT = {
    notified: [['ack', null], ['decline', null]],
    acknowledged: [['status', 'en_route']],
    en_route: [['status', 'on_site']],
    on_site: [['status', 'done']],
  };
  const ACTION_STATE = { ack: 'acknowledged', decline: 'declined' };

  const app = document.getElementById('app');
  const state = {
    data: K.store.get(DATA_KEY, null), // {at, body}
    queue: K.store.get(QUEUE_KEY, []),
    failed: [],
    flushing: false,
    here: null, // {lat, lon, accuracy, at} from this device
    lastSent: 0,
    watch: null,
  };

  // -- distance and direction ----------------------------------------------------------------
  const rad = (d) => d * Math.PI / 180;
  function distanceKm(a, b) {
    const dlat = rad(b.lat - a.lat);
    const dlon = rad(b.lon - a.lon);
    const h = Math.sin(dlat / 2) ** 2 +
      Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dlon / 2) ** 2;
    return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
  }
  function bearing(a, b) {
    const y = Math.sin(rad(b.lon - a.lon)) * Math.cos(rad(b.lat));
    const x = Math.cos(rad(a.lat)) * Math.sin(rad(b.lat)) -
      Math.sin(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lon - a.lon));
    return (Math.atan2(y, x) * 180 / Math.PI + 360) % 360;
  }

  function way(a) {
    const t = a.target;
    if (state.here && t && typeof t.lat === 'number') {
      return { km: distanceKm(state.here, t), deg: bearing(state.here, t), live: true };
    }
    if (typeof a.distance_km === 'number') {
      return { km: a.distance_km, deg: a.bearing_deg, live: false };
    }
    return null;
  }

  // -- rendering -----------------------------------------------------------------------------
  /** The state an assignment will have once its queued actions are sent. */
  function pendingState(a) {
    let s = a.state;
    for (const item of state.queue) {
      if (item.dispatchId === a.id && item.kind !== 'position') s = item.state;
    }
    return s;
  }

  function card(a) {
    const shown = pendingState(a);
    const queued = shown !== a.state;
    const w = way(a);
    const inc = a.incident || {};
    const arrow = K.el('span', { class: 'arrow', 'aria-hidden': 'true', text: '➤' });
    if (w && typeof w.deg === 'number') arrow.style.transform = 'rotate(' + (w.deg - 90) + 'deg)';
    const buttons = K.el('div', { class: 'actions' });
    for (const [action, status] of NEXT[shown] || []) {
      const label = status ? K.t('ui_do_' + status) : K.t('ui_do_' + action);
      buttons.append(K.el('button', {
        type: 'button', class: 'act act-' + (status || action), text: label,
        dataset: { action, status: status || '' },
        onclick: () => (action === 'decline' ? askDecline(a, buttons) : act(a, action, status)),
      }));
    }
    return K.el('li', {
      class: 'assignment state-' + shown + (queued ? ' queued' : ''),
      dataset: { id: a.id, state: a.state, shown },
    },
    K.el('div', { class: 'head' },
      K.el('span', { class: 'area', text: a.area_name || a.area }),
      K.el('span', { class: 'chip state-' + shown, text: K.tOr('state_' + shown, shown) +
        (queued ? ' · ' + K.t('ui_pending_short') : '') })),
    K.el('p', { class: 'incident', text: [inc.title, K.tOr('severity_' + inc.severity,
      inc.severity || '')].filter(Boolean).join(' · ') }),
    w ? K.el('p', { class: 'way' }, arrow,
      K.el('span', { class: 'km', text: K.formatNumber(w.km, w.km < 10 ? 1 : 0) + ' km' }),
      K.el('span', { class: 'dir', text: K.compass(w.deg) + ' (' + Math.round(w.deg) + '°)' }),
      K.el('span', { class: 'from', text: w.live ? K.t('ui_from_here') : K.t('ui_from_last') }))
      : K.el('p', { class: 'way muted', text: K.t('ui_no_position') }),
    shown === 'notified' && a.ack_deadline ? K.el('p', { class: 'deadline',
      text: K.t('ui_ack_before', { time: K.formatTime(a.ack_deadline, K.viewerZone(),
        { clock: true }) }) }) : null,
    buttons);
  }

  function render() {
    const list = $('#assignments');
    K.clear(list);
    const items = state.data ? state.data.body.assignments : [];
    const active = items.filter((a) => !['done', 'cancelled', 'declined', 'timed_out']
      .includes(pendingState(a)));
    const past = items.filter((a) => !active.includes(a)).slice(0, 5);
    if (!active.length) list.append(K.el('li', { class: 'muted', text: K.t('ui_no_assignments') }));
    for (const a of active) list.append(card(a));
    const old = $('#past');
    K.clear(old);
    for (const a of past) {
      old.append(K.el('li', { class: 'past state-' + a.state },
        K.el('span', { text: a.area_name || a.area }), ' · ',
        K.el('span', { text: K.tOr('state_' + a.state, a.state) })));
    }
    $('#data-age').textContent = state.data
      ? K.t('ui_data_at', { time: K.formatTime(new Date(state.data.at), K.viewerZone()) }) : '';
    renderPending();
  }

  function describeItem(item) {
    if (item.kind === 'position') {
      return K.t('ui_pending_position', { time: K.formatTime(item.body.at, K.viewerZone(),
        { clock: true }) });
    }
    return K.t('ui_pending_action', { action: K.tOr('state_' + item.state, item.state),
      area: item.area || '' });
  }

  function renderPending() {
    const box = $('#pending');
    const list = $('#pending-list');
    K.clear(list);
    for (const item of state.queue) {
      list.append(K.el('li', { class: 'pending-item', dataset: { kind: item.kind } },
        describeItem(item)));
    }
    for (const f of state.failed.slice(-3)) {
      list.append(K.el('li', { class: 'failed', text: f }));
    }
    box.hidden = !state.queue.length && !state.failed.length;
    $('#pending-count').textContent = K.t('ui_pending_n', { n: state.queue.length });
    app.dataset.pending = String(state.queue.length);
  }

  function renderNet() {
    const online = navigator.onLine;
    const net = $('#net');
    net.textContent = online ? K.t('ui_online') : K.t('ui_offline');
    net.className = 'net ' + (online ? 'online' : 'offline');
    app.classList.toggle('is-offline', !online);
  }

  // -- data ------------------------------------------------------------------------------------
  async function load() {
    try {
      const body = await K.api('/api/v1/me/assignments');
      state.data = { at: Date.now(), body };
      K.store.set(DATA_KEY, state.data);
    } catch (err) {
      if (err instanceof K.ApiError && err.status === 401) {
        window.location.assign('/login');
        return;
      }
    }
    render();
  }
  const loadSoon = K.debounce(load, 500);

  // -- actions and the offline queue ----------------------------------------------------------
  function enqueue(item) {
    item.uid = Date.now().toString(36) + Math.random().toString(36).slice(2, 7);
    if (item.kind === 'position') {
      // only the latest unsent position matters
      state.queue = state.queue.filter((x) => x.kind !== 'position');
    }
    state.queue.push(item);
    K.store.set(QUEUE_KEY, state.queue);
    render();
    flush();
  }

  function act(a, action, status) {
    enqueue({
      kind: 'action', dispatchId: a.id, area: a.area_name || a.area,
      url: '/api/v1/me/assignments/' + a.id + '/' + action,
      body: status ? { status } : action === 'decline' && a.reason ? { reason: a.reason } : {},
      state: status || ACTION_STATE[action],
    });
  }

  function askDecline(a, buttons) {
    K.clear(buttons);
    const input = K.el('input', { name: 'reason', placeholder: K.t('ui_decline_reason'),
      maxlength: 500 });
    buttons.append(input,
      K.el('button', { type: 'button', class: 'act act-decline', text: K.t('ui_do_decline'),
        onclick: () => act(Object.assign({}, a, { reason: input.value.trim() || null }),
          'decline', null) }),
      K.el('button', { type: 'button', class: 'act', text: K.t('ui_cancel'),
        onclick: render }));
    input.focus();
  }

  /** Send the queue in order. A network failure stops (we are offline: try again later);
   * an answer the server will always give (4xx) drops the item and says so. */
  async function flush() {
    if (state.flushing || !state.queue.length) return;
    state.flushing = true;
    let sent = 0;
    try {
      while (state.queue.length) {
        const item = state.queue[0];
        try {
          await K.api(item.url, { method: 'POST', body: item.body });
        } catch (err) {
          if (!(err instanceof K.ApiError) || err.status >= 500 || err.status === 429) break;
          if (err.status === 401) {
            state.failed.push(K.t('ui_signed_out'));
            break;
          }
          state.failed.push(describeItem(item) + ': ' + ((err.body && err.body.error) ||
            'HTTP ' + err.status));
          state.failed = state.failed.slice(-3);
        }
        state.queue.shift();
        K.store.set(QUEUE_KEY, state.queue);
        sent += 1;
      }
    } finally {
      state.flushing = false;
      render();
      if (sent) loadSoon();
    }
  }

  // -- position ---------------------------------------------------------------------------------
  function sendPosition(lat, lon, accuracy) {
    state.here = { lat, lon, accuracy, at: Date.now() };
    $('#position-text').textContent = K.t('ui_position_is', {
      lat: lat.toFixed(5), lon: lon.toFixed(5), acc: Math.round(accuracy) });
    render();
    if (Date.now() - state.lastSent < POSITION_EVERY_MS) return;
    state.lastSent = Date.now();
    enqueue({ kind: 'position', url: '/api/v1/me/position',
      body: { lat, lon, accuracy_m: Math.max(1, accuracy), at: new Date().toISOString() } });
  }

  function share(on) {
    K.store.set(SHARE_KEY, on);
    $('#share').checked = on;
    if (state.watch !== null) navigator.geolocation.clearWatch(state.watch);
    state.watch = null;
    if (!on) return;
    if (!('geolocation' in navigator)) {
      $('#position-text').textContent = K.t('ui_no_geolocation');
      return;
    }
    state.watch = navigator.geolocation.watchPosition(
      (pos) => sendPosition(pos.coords.latitude, pos.coords.longitude, pos.coords.accuracy),
      () => { $('#position-text').textContent = K.t('ui_no_geolocation'); },
      { enableHighAccuracy: true, maximumAge: 15000, timeout: 30000 });
  }

  $('#share').addEventListener('change', (e) => share(e.target.checked));
  $('#manual').addEventListener('submit', (e) => {
    e.preventDefault();
    const lat = Number(e.target.lat.value);
    const lon = Number(e.target.lon.value);
    if (!isFinite(lat) || !isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return;
    state.lastSent = 0;
    sendPosition(lat, lon, 50);
  });

  // -- service worker: the page and its assets for offline use --------------------------------
  async function registerWorker() {
    if (!('serviceWorker' in navigator)) return;
    try {
      await navigator.serviceWorker.register('/field/sw.js', { scope: '/field' });
      const reg = await navigator.serviceWorker.ready;
      const urls = [window.location.pathname + window.location.search];
      for (const node of document.querySelectorAll('script[src], link[rel="stylesheet"]')) {
        urls.push(node.getAttribute('src') || node.getAttribute('href'));
      }
      reg.active.postMessage({ type: 'precache', urls });
      app.dataset.sw = 'ready';
    } catch (err) {
      app.dataset.sw = 'failed';
    }
  }

  navigator.serviceWorker && navigator.serviceWorker.addEventListener('message', (e) => {
    if (e.data && e.data.type === 'cached') app.dataset.cached = String(e.data.count);
  });

  // -- live ---------------------------------------------------------------------------------------
  const live = new K.Live({ page: 'field' });
  live.bindIndicator($('#conn'));
  K.live = live; // for the browser tests and the console
  live.on(K.family(K.ev.DISPATCH_PREFIX), (msg) => {
    if (msg.type === K.ev.DISPATCH_PREFIX + 'notified' && navigator.vibrate) navigator.vibrate([300, 150, 300]);
    loadSoon();
  });
  live.on('synced', () => {
    flush();
    loadSoon();
  });
  live.on('reset', loadSoon);
  window.addEventListener('online', () => {
    renderNet();
    flush();
    loadSoon();
  });
  window.addEventListener('offline', renderNet);

  function main() {
    renderNet();
    render(); // the last data at once, even offline
    load();
    live.start();
    share(K.store.get(SHARE_KEY, false) === true);
    setInterval(() => {
      if (navigator.onLine) flush();
    }, RETRY_MS);
    registerWorker();
    app.dataset.ready = '1';
  }

  main();
}());
